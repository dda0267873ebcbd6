import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SectionRuns } from './sections';

test('a failing section is said and recorded, the next one still runs, and the summary names it', async () => {
  const said: string[] = [];
  const runs = new SectionRuns((line) => said.push(line));
  assert.equal(await runs.measured('failover', async () => 3043), 3043);
  assert.equal(
    await runs.measured('entities: workflows', async () => {
      throw new Error('every bench workflow on shard-40 has completed: timed out after 66 s');
    }),
    undefined,
  );
  assert.deepEqual(await runs.measured('netfaults', async () => ({ applyMs: 410 })), { applyMs: 410 });
  assert.deepEqual(said, ['entities: workflows failed, its figures are left out: every bench workflow on shard-40 has completed: timed out after 66 s']);
  assert.deepEqual(runs.failed, [{ section: 'entities: workflows', message: 'every bench workflow on shard-40 has completed: timed out after 66 s' }]);
  assert.deepEqual(runs.summary('seeds/bench/new.json'), [
    'bench: 1 section(s) failed, their figures are missing: entities: workflows (every bench workflow on shard-40 has completed: timed out after 66 s)',
    "bench: seeds/bench/new.json not written: a baseline must hold every section's figures",
  ]);
  assert.equal(runs.summary(undefined).length, 1);
});

test('when every section ran there is nothing to say', async () => {
  const runs = new SectionRuns(() => assert.fail('nothing failed'));
  await runs.measured('skew', async () => []);
  assert.deepEqual(runs.summary('x.json'), []);
});
