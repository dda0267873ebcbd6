// The batched execution of a container's steps: pure parts, then against the host's own iptables in a
// throwaway network namespace (`unshare -n`; skipped unless root on Linux with unshare and iptables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { listRules, presentInListing, restoreInput, runSteps } from './iptables';
import { planPartition } from './plan';
import { member } from './test-members';

test('presentInListing answers the two check shapes the planner writes from an iptables -S listing', () => {
  const listing = new Set(['-P INPUT ACCEPT', '-N F-1-IN', '-A INPUT -j F-1-IN', '-A F-1-IN -s 10.9.0.3/32 -j DROP']);
  assert.equal(presentInListing(listing, ['-n', '-L', 'F-1-IN']), true);
  assert.equal(presentInListing(listing, ['-n', '-L', 'F-1-OUT']), false);
  assert.equal(presentInListing(listing, ['-C', 'INPUT', '-j', 'F-1-IN']), true);
  assert.equal(presentInListing(listing, ['-C', 'OUTPUT', '-j', 'F-1-OUT']), false);
  assert.equal(presentInListing(listing, ['-C', 'INPUT', '-s', '10.9.0.3/32', '-j', 'DROP']), undefined, 'another shape: run one by one');
});

test('restoreInput is one filter-table transaction', () => {
  assert.equal(
    restoreInput([
      ['-N', 'X'],
      ['-I', 'INPUT', '1', '-j', 'X'],
    ]),
    '*filter\n-N X\n-I INPUT 1 -j X\nCOMMIT\n',
  );
});

const canUseNetns =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['--version']).status === 0 &&
  spawnSync('iptables-restore', ['--version'], { env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } }).status === 0;

test(
  'apply and heal run as one listing and one restore each, idempotently, in a real netns',
  { skip: !canUseNetns && 'needs root, unshare and iptables' },
  async (t) => {
    const holder = spawn('unshare', ['-n', 'sleep', '60'], { stdio: 'ignore' });
    t.after(() => holder.kill('SIGKILL'));
    await new Promise((resolve) => setTimeout(resolve, 100)); // unshare execs sleep in the new netns; its pid stays
    const self = { ...member('n1', 1), pid: holder.pid! };
    const plan = planPartition([self, member('n2', 2), member('n3', 3)], { kind: 'groups', groups: { a: ['n1'], b: ['n2', 'n3'] } }, { chain: 'T-1' });
    const mine = plan.containers.find((c) => c.member.id === 'n1')!;
    const only = (listing: string) =>
      listing
        .split('\n')
        .filter((l) => l.includes('T-1'))
        .sort();

    const applied = await runSteps(self, mine.apply);
    assert.ok(applied.includes('iptables -I INPUT 1 -j T-1-IN'), applied.join('\n'));
    const rules = only(await listRules(self));
    assert.deepEqual(rules, [
      '-A INPUT -j T-1-IN',
      '-A OUTPUT -j T-1-OUT',
      '-A T-1-IN -s 10.9.0.2/32 -j DROP',
      '-A T-1-IN -s 10.9.0.3/32 -j DROP',
      '-A T-1-OUT -d 10.9.0.2/32 -j DROP',
      '-A T-1-OUT -d 10.9.0.3/32 -j DROP',
      '-N T-1-IN',
      '-N T-1-OUT',
    ]);
    const again = await runSteps(self, mine.apply);
    assert.ok(!again.some((c) => c.includes('-N ') || c.includes('-I ')), `a second apply creates nothing: ${again.join('; ')}`);
    assert.deepEqual(only(await listRules(self)), rules, 'a second apply leaves the same rules (no second jump)');

    const healed = await runSteps(self, mine.heal);
    assert.deepEqual(healed, [
      'iptables -D INPUT -j T-1-IN',
      'iptables -D OUTPUT -j T-1-OUT',
      'iptables -F T-1-IN',
      'iptables -X T-1-IN',
      'iptables -F T-1-OUT',
      'iptables -X T-1-OUT',
    ]);
    assert.deepEqual(only(await listRules(self)), []);
    assert.deepEqual(await runSteps(self, mine.heal), [], 'a second heal has nothing to do');
  },
);
