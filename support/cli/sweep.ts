// `npm run sweep`: removes what suite runs left on the engine. By default only what nobody owns any more
// (runs of this host whose process is gone, and other hosts' runs older than 6 h), as every run does at
// start; `--all` also removes live runs' containers and networks; `--images` also removes the suite's
// cached images (rebuilt on the next run).
import { assertEngineReachable, docker } from '../cluster/engine';
import { LABEL } from '../cluster/labels';
import { removeLabelled, sweepOrphans } from '../cluster/teardown';
import { chaosContainers } from '../chaos/env/environment';
import { chaosDown } from '../chaos/env/lifecycle';
import { parseFlags, usageExit } from './flags';

const USAGE = `usage: npm run sweep [-- --all] [-- --images]
  (no flags)  remove the containers and networks of runs that no longer exist
  --all       remove every container and network the suite labelled, live runs' and the chaos environment's too (stops them)
  --images    also remove the suite's cached images (built again on the next run)`;

const { values } = usageExit('sweep', USAGE, () =>
  parseFlags(process.argv.slice(2), { all: { type: 'boolean', default: false }, images: { type: 'boolean', default: false } }),
);
await assertEngineReachable();
if (values.all) {
  const r = await removeLabelled([LABEL.suite]);
  const chaos = await chaosDown(() => undefined); // its volumes too
  console.log(
    `sweep: removed ${r.containers} container(s) and ${r.networks} network(s) labelled ${LABEL.suite}${chaos.volumes ? `, and ${chaos.volumes} volume(s) of the chaos environment` : ''}`,
  );
} else {
  const r = await sweepOrphans();
  console.log(
    `sweep: removed ${r.containers} container(s) and ${r.networks} network(s) of ${r.runs.length} finished run(s)${r.runs.length ? `: ${r.runs.join(', ')}` : ''}`,
  );
  for (const s of r.stuck) console.error(`sweep: could not remove ${s}`);
  if (r.stuck.length > 0) process.exitCode = 1;
  // The chaos environment belongs to no run: it is meant to outlive every process. Say it is there.
  const chaos = await chaosContainers();
  if (chaos.length > 0)
    console.log(`sweep: left the chaos environment alone (${chaos.length} container(s)); \`npm run chaos:down\` or \`npm run sweep -- --all\` removes it`);
}
if (values.images) {
  const images = await docker().listImages({ filters: { label: [LABEL.image] } });
  let removed = 0;
  for (const image of images) {
    // An image a live container still uses is refused (409): it stays, said so.
    await docker()
      .getImage(image.Id)
      .remove({ force: false })
      .then(() => removed++)
      .catch((e: Error) => console.error(`sweep: kept image ${image.RepoTags?.[0] ?? image.Id.slice(7, 19)}: ${e.message.split('\n')[0]}`));
  }
  console.log(`sweep: removed ${removed} of ${images.length} cached image(s)`);
}
