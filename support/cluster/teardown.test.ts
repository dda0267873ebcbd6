import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RUN } from './labels';
import { orphaned, type RunOwner } from './teardown';

const HOUR = 3600_000;
const alive = (pids: number[], runners: string[]) => ({ pid: (p: number) => pids.includes(p), runner: (n: string) => runners.includes(n) });

test("a run of this host is orphaned when its process is gone; another host's only when stale", () => {
  const mine: RunOwner = { pid: 4242, host: RUN.host, created: 0 };
  assert.equal(orphaned(mine, 10, 6 * HOUR, alive([4242], [])), false);
  assert.equal(orphaned(mine, 10, 6 * HOUR, alive([], [])), true);
  const theirs: RunOwner = { pid: 4242, host: 'elsewhere', created: 0 };
  assert.equal(orphaned(theirs, 5 * HOUR, 6 * HOUR, alive([], [])), false);
  assert.equal(orphaned(theirs, 7 * HOUR, 6 * HOUR, alive([], [])), true);
});

test('a run inside a runner container is judged by that container, not by a pid of this host', () => {
  // Inside the runner pid 17 is the suite; here pid 17 is some unrelated process that is alive.
  const inRunner: RunOwner = { pid: 17, host: RUN.host, created: 0, runner: 'ohs-runner-x' };
  assert.equal(orphaned(inRunner, 10, 6 * HOUR, alive([17], ['ohs-runner-x'])), false);
  assert.equal(orphaned(inRunner, 10, 6 * HOUR, alive([17], [])), true);
});

test("a run of this host's name but another pid namespace (a suite in a container) is not judged by our pids", () => {
  const inContainer: RunOwner = { pid: 1, host: RUN.host, pidns: 'pid:[1]', created: 0 };
  assert.equal(orphaned(inContainer, 10, 6 * HOUR, alive([], [])), false, 'its pid 1 is not ours to look up');
  assert.equal(orphaned(inContainer, 7 * HOUR, 6 * HOUR, alive([], [])), true);
  assert.equal(orphaned({ ...inContainer, pidns: RUN.pidns }, 10, 6 * HOUR, alive([], [])), true);
});
