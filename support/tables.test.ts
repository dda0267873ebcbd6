import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timerTable } from './tables';

test('timer rows become overrides', () => {
  assert.deepEqual(
    timerTable([
      ['leaseTtlMs', '8000'],
      ['electionWindowMs', '10_000'],
    ]),
    { leaseTtlMs: 8000, electionWindowMs: 10000 },
  );
});

test('a bad row is named with its content', () => {
  assert.throws(() => timerTable([['leaseTTL', '8000']]), /row 1 \(\| leaseTTL \| 8000 \|\): unknown timer "leaseTTL"; timers: leaseTtlMs/);
  assert.throws(() => timerTable([['leaseTtlMs', '8 s']]), /"8 s" is not a whole number of milliseconds/);
  assert.throws(() => timerTable([['leaseTtlMs']]), /expected two cells/);
  assert.throws(
    () =>
      timerTable([
        ['leaseTtlMs', '1'],
        ['leaseTtlMs', '2'],
      ]),
    /row 2 .* set twice/,
  );
});

/** The single-node phrases as the Members noun hands them over: here only "the global leader". */
const leader = (id: string): ReadonlyMap<string, string> => new Map(id ? [['the global leader', id]] : []);

test('partition groups resolve leader-relative tokens and "everyone else"', async () => {
  const { groupTable, resolveGroups } = await import('./tables');
  const rows = groupTable([
    ['group', 'members'],
    ['minority', 'two other nodes, etcd-1'],
    ['majority', 'everyone else'],
  ]);
  const groups = resolveGroups(rows, { named: leader('r-3'), relay: ['r-1', 'r-2', 'r-3', 'r-4', 'r-5'], etcd: ['etcd-1', 'etcd-2', 'etcd-3'] });
  assert.deepEqual(groups, { minority: ['etcd-1', 'r-1', 'r-2'], majority: ['r-3', 'r-4', 'r-5', 'etcd-2', 'etcd-3'] });
  const leaderSide = resolveGroups(
    groupTable([
      ['group', 'members'],
      ['cut', 'the global leader, one other node'],
      ['rest', 'everyone else'],
    ]),
    { named: leader('r-3'), relay: ['r-1', 'r-2', 'r-3'], etcd: ['e'] },
  );
  assert.deepEqual(leaderSide, { cut: ['r-3', 'r-1'], rest: ['r-2', 'e'] });
});

test('a bad partition table says which row or token', async () => {
  const { groupTable, resolveGroups } = await import('./tables');
  assert.throws(
    () =>
      groupTable([
        ['name', 'nodes'],
        ['a', 'x'],
        ['b', 'y'],
      ]),
    /header \| group \| members \|/,
  );
  assert.throws(
    () =>
      groupTable([
        ['group', 'members'],
        ['a', 'x'],
      ]),
    /at least two groups/,
  );
  assert.throws(
    () =>
      resolveGroups(
        groupTable([
          ['group', 'members'],
          ['a', 'the moon'],
          ['b', 'everyone else'],
        ]),
        { named: leader('r-1'), relay: ['r-1'], etcd: [] },
      ),
    /unknown member "the moon" in group "a"/,
  );
});

test('"region <name>" names a region\'s relay nodes and etcd members', async () => {
  const { groupTable, resolveGroups } = await import('./tables');
  const regionOf = (id: string) => id.split('-').find((p) => ['east', 'west'].includes(p));
  const groups = resolveGroups(
    groupTable([
      ['group', 'members'],
      ['cut', 'region west'],
      ['rest', 'everyone else'],
    ]),
    {
      named: leader('east-1'),
      relay: ['east-1', 'west-1', 'west-2'],
      etcd: ['etcd-east', 'etcd-west'],
      regionOf,
    },
  );
  assert.deepEqual(groups, { cut: ['west-1', 'west-2', 'etcd-west'], rest: ['east-1', 'etcd-east'] });
  assert.throws(
    () =>
      resolveGroups(
        groupTable([
          ['group', 'members'],
          ['cut', 'region north'],
          ['rest', 'everyone else'],
        ]),
        { named: leader(''), relay: ['east-1'], etcd: [], regionOf },
      ),
    /no node or etcd member is in region "north"/,
  );
});

test('"the fault proxy" names the proxy container; "everyone else" never includes it', async () => {
  const { groupTable, resolveGroups } = await import('./tables');
  const regionOf = (id: string) => id.split('-')[0];
  const rows = groupTable([
    ['group', 'members'],
    ['west', 'region west'],
    ['proxy', 'the fault proxy'],
    ['rest', 'everyone else'],
  ]);
  const groups = resolveGroups(rows, { named: leader('east-1'), relay: ['east-1', 'west-1'], etcd: [], regionOf, proxy: 'fault-proxy' });
  assert.deepEqual(groups, { west: ['west-1'], proxy: ['fault-proxy'], rest: ['east-1'] });
  assert.throws(
    () => resolveGroups(rows, { named: leader('east-1'), relay: ['east-1', 'west-1'], etcd: [], regionOf }),
    /"the fault proxy": this topology routes no link through a fault proxy/,
  );
});

test('any single-node phrase the Members noun resolved counts as named: taken before counted picks and "everyone else"', async () => {
  const { groupTable, resolveGroups } = await import('./tables');
  const rows = groupTable([
    ['group', 'members'],
    ['cut', 'the owner of shard-07, one other node'],
    ['rest', 'everyone else'],
  ]);
  const named = new Map([['the owner of shard-07', 'r-1']]);
  assert.deepEqual(resolveGroups(rows, { named, relay: ['r-1', 'r-2', 'r-3'], etcd: ['e'] }), { cut: ['r-1', 'r-2'], rest: ['r-3', 'e'] });
  assert.throws(() => resolveGroups(rows, { named: new Map(), relay: ['r-1'], etcd: [] }), /unknown member "the owner of shard-07"/);
});
