// `npm run images`: builds (or reuses) the suite's images and prints where each came from.
import { assertEngineReachable } from '../cluster/engine';
import { suiteImages } from '../cluster/images/recipes';
import { readSettings } from '../settings';
import { parseFlags, usageExit } from './flags';

usageExit('images', 'usage: npm run images   (no flags; settings come from OMNIRELAY_HYPERSCALE_* variables, see the README)', () =>
  parseFlags(process.argv.slice(2), {}),
);

const settings = readSettings();
await assertEngineReachable();
const started = Date.now();
const images = await suiteImages({ ...settings, log: (line) => console.log(`[images] ${line}`) });
for (const [name, image] of Object.entries(images)) {
  console.log(`${name.padEnd(10)} ${image.ref.padEnd(50)} ${image.origin}`);
}
console.log(`images ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
