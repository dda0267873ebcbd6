import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reaper } from './reaper';

test('handed scenarios are frozen at once and removed one at a time, in order; drain waits for the last', async () => {
  const events: string[] = [];
  let removing = 0;
  const reaper = new Reaper({
    freeze: async (id) => void events.push(`freeze ${id}`),
    remove: async (id) => {
      assert.equal(++removing, 1, 'two removals ran at once');
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`removed ${id}`);
      removing--;
      return { containers: 3, networks: 1 };
    },
    log: () => {},
  });
  await reaper.hand('1-a');
  await reaper.hand('2-b');
  assert.deepEqual(events.slice(0, 2), ['freeze 1-a', 'freeze 2-b'], 'hand returns before the removal');
  const { reaped, failures } = await reaper.drain();
  assert.deepEqual(events, ['freeze 1-a', 'freeze 2-b', 'removed 1-a', 'removed 2-b']);
  assert.deepEqual(
    reaped.map((r) => [r.scenarioId, r.containers]),
    [
      ['1-a', 3],
      ['2-b', 3],
    ],
  );
  assert.deepEqual(failures, []);
});

test('a failed freeze still removes; a failed removal is reported and does not stop the next', async () => {
  const logged: string[] = [];
  const removed: string[] = [];
  const reaper = new Reaper({
    freeze: async (id) => {
      if (id === '1-a') throw new Error('engine said no');
    },
    remove: async (id) => {
      if (id === '2-b') throw new Error('took over 60 s');
      removed.push(id);
      return { containers: 1, networks: 1 };
    },
    log: (line) => logged.push(line),
  });
  for (const id of ['1-a', '2-b', '3-c']) await reaper.hand(id);
  const { failures } = await reaper.drain();
  assert.deepEqual(removed, ['1-a', '3-c']);
  assert.deepEqual(failures, ['2-b: took over 60 s']);
  assert.match(logged.join('\n'), /freezing 1-a: engine said no \(removal goes on\)/);
  assert.match(logged.join('\n'), /removing 2-b in the background failed: took over 60 s/);
});
