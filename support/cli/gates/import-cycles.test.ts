import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeCycles, findImportCycles } from './import-cycles';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));

test('a cycle, even through type-only imports, is found and named module by module', async () => {
  const report = await findImportCycles(fixtures, ['cycle'], /node_modules/);
  assert.equal(report.cycles.length, 1);
  assert.deepEqual([...report.cycles[0]!].sort(), ['cycle/ping.ts', 'cycle/pong.ts']);
  assert.match(describeCycles(report), /1 import cycle\(s\)[^]*cycle\/p[io]ng\.ts → cycle\/p[io]ng\.ts → cycle\/p[io]ng\.ts/);
});

test('an import from docker/ into the suite is named, the other way round is fine', async () => {
  const report = await findImportCycles(fixtures, ['boundary'], /node_modules/);
  assert.deepEqual(report.crossings, [{ from: 'boundary/docker/image.ts', to: 'boundary/support/helper.ts' }]);
  assert.match(describeCycles(report), /1 import\(s\) from docker\/ into the suite[^]*boundary\/docker\/image\.ts → boundary\/support\/helper\.ts/);
});

test('the suite itself has none', async () => {
  const report = await findImportCycles(process.cwd());
  assert.deepEqual(report.cycles, [], describeCycles(report));
  assert.deepEqual(report.crossings, [], describeCycles(report));
  assert.ok(report.modules > 100, `only ${report.modules} modules were parsed`);
});
