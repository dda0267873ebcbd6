import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeSpec,
  formatProbability,
  impairedPairs,
  perRuleProbability,
  planPartition,
  renderScripts,
  renderStep,
  PartitionSpecError,
  type PartitionPlan,
} from './plan';
import { member } from './test-members';

const n1 = member('n1', 1);
const n2 = member('n2', 2);
const n3 = member('n3', 3);
const n4 = member('n4', 4);
const etcd = member('etcd-1', 9);
const members = [n1, n2, n3, n4, etcd];

const scripts = (plan: PartitionPlan, which: 'apply' | 'heal' = 'apply') => renderScripts(plan, which);
const pairs = (plan: PartitionPlan, expected: boolean) =>
  plan.expectations
    .filter((e) => e.expected === expected)
    .map((e) => `${e.from}>${e.to}`)
    .sort();

test('groups: every node drops INPUT from and OUTPUT to each node of the other groups, in its own chains', () => {
  const plan = planPartition(members, { kind: 'groups', groups: { a: ['n1', 'n2'], b: ['n3', 'n4'] } });
  assert.equal(plan.chain, 'OHS-FAULT');
  assert.deepEqual(scripts(plan).n1, [
    'iptables -n -L OHS-FAULT-IN || iptables -N OHS-FAULT-IN',
    'iptables -F OHS-FAULT-IN && iptables -A OHS-FAULT-IN -s 10.9.0.3/32 -j DROP && iptables -A OHS-FAULT-IN -s 10.9.0.4/32 -j DROP',
    'iptables -n -L OHS-FAULT-OUT || iptables -N OHS-FAULT-OUT',
    'iptables -F OHS-FAULT-OUT && iptables -A OHS-FAULT-OUT -d 10.9.0.3/32 -j DROP && iptables -A OHS-FAULT-OUT -d 10.9.0.4/32 -j DROP',
    'iptables -C INPUT -j OHS-FAULT-IN || iptables -I INPUT 1 -j OHS-FAULT-IN',
    'iptables -C OUTPUT -j OHS-FAULT-OUT || iptables -I OUTPUT 1 -j OHS-FAULT-OUT',
  ]);
  // Both directions: n3 blocks n1 and n2 as well.
  assert.match(scripts(plan).n3!.join('\n'), /-A OHS-FAULT-IN -s 10\.9\.0\.1\/32 -j DROP && iptables -A OHS-FAULT-IN -s 10\.9\.0\.2\/32 -j DROP/);
  assert.match(scripts(plan).n3!.join('\n'), /-A OHS-FAULT-OUT -d 10\.9\.0\.1\/32 -j DROP && iptables -A OHS-FAULT-OUT -d 10\.9\.0\.2\/32 -j DROP/);
});

test('groups: group-internal pairs get no rule, and are expected to keep connecting', () => {
  const plan = planPartition(members, { kind: 'groups', groups: { a: ['n1', 'n2'], b: ['n3', 'n4'] } });
  for (const [id, lines] of Object.entries(scripts(plan))) {
    const mates = id === 'n1' || id === 'n2' ? ['10.9.0.1', '10.9.0.2'] : ['10.9.0.3', '10.9.0.4'];
    for (const ip of mates) assert.ok(!lines.join('\n').includes(`${ip}/32`), `${id} must not cut its group mate ${ip}`);
  }
  assert.deepEqual(pairs(plan, false), ['n1>n3', 'n1>n4', 'n2>n3', 'n2>n4', 'n3>n1', 'n3>n2', 'n4>n1', 'n4>n2']);
  assert.deepEqual(pairs(plan, true), ['n1>n2', 'n2>n1', 'n3>n4', 'n4>n3']);
  assert.ok(plan.expectations.filter((e) => !e.expected).every((e) => e.why === 'cut'));
  assert.ok(plan.expectations.filter((e) => e.expected).every((e) => e.why === 'same group'));
});

test('groups: nodes named in no group are untouched (no commands, no expectations)', () => {
  const plan = planPartition(members, { kind: 'groups', groups: { isolated: ['n1'], rest: ['n2', 'n3'] } });
  assert.deepEqual(
    plan.containers.map((c) => c.member.id),
    ['n1', 'n2', 'n3'],
  );
  assert.ok(!plan.expectations.some((e) => [e.from, e.to].some((id) => id === 'n4' || id === 'etcd-1')));
  assert.ok(!JSON.stringify(plan.containers).includes('10.9.0.4/32'));
  assert.ok(!JSON.stringify(plan.containers).includes('10.9.0.9/32'));
  // The plan still knows every member, so the heal verification covers all of them.
  assert.equal(plan.members.length, 5);
});

test('isolating one node: it cuts everyone, each of the rest cuts only it', () => {
  const plan = planPartition(members, { kind: 'groups', groups: { isolated: ['n1'], rest: ['n2', 'n3', 'n4', 'etcd-1'] } });
  const s = scripts(plan);
  assert.equal(
    s
      .n1!.filter((l) => l.includes('-j DROP'))
      .join('\n')
      .match(/-j DROP/g)!.length,
    8,
  );
  for (const id of ['n2', 'n3', 'n4', 'etcd-1']) {
    assert.equal(s[id]!.join('\n').match(/-j DROP/g)!.length, 2, id);
    assert.match(s[id]!.join('\n'), /-s 10\.9\.0\.1\/32 -j DROP/);
    assert.match(s[id]!.join('\n'), /-d 10\.9\.0\.1\/32 -j DROP/);
  }
  assert.equal(pairs(plan, false).length, 8);
  assert.equal(pairs(plan, true).length, 12);
});

test('three groups (regions) cut every cross-group pair', () => {
  const plan = planPartition(members, { kind: 'groups', groups: { east: ['n1'], west: ['n2', 'n3'], south: ['n4'] } });
  assert.deepEqual(pairs(plan, false), ['n1>n2', 'n1>n3', 'n1>n4', 'n2>n1', 'n2>n4', 'n3>n1', 'n3>n4', 'n4>n1', 'n4>n2', 'n4>n3']);
  assert.deepEqual(pairs(plan, true), ['n2>n3', 'n3>n2']);
});

test('one-way: only the `to` nodes get rules: drop from-IP packets in the ORIGINAL direction of their connection', () => {
  const plan = planPartition(members, { kind: 'one-way', from: ['n1'], to: ['n2', 'n3'] });
  assert.deepEqual(
    plan.containers.map((c) => c.member.id),
    ['n2', 'n3'],
  );
  assert.deepEqual(scripts(plan).n2, [
    'iptables -n -L OHS-FAULT-IN || iptables -N OHS-FAULT-IN',
    'iptables -F OHS-FAULT-IN && iptables -A OHS-FAULT-IN -s 10.9.0.1/32 -m conntrack --ctdir ORIGINAL -j DROP',
    'iptables -C INPUT -j OHS-FAULT-IN || iptables -I INPUT 1 -j OHS-FAULT-IN',
  ]);
  // No OUTPUT rules anywhere: the `to` side's own connections (and their replies) flow.
  assert.ok(!JSON.stringify(plan.containers).includes('OUTPUT'));
});

test('one-way: from → to is cut, to → from is expected to connect, same-side pairs connect', () => {
  const plan = planPartition(members, { kind: 'one-way', from: ['n1', 'n4'], to: ['n2', 'n3'] });
  assert.deepEqual(pairs(plan, false), ['n1>n2', 'n1>n3', 'n4>n2', 'n4>n3']);
  assert.deepEqual(pairs(plan, true), ['n1>n4', 'n2>n1', 'n2>n3', 'n2>n4', 'n3>n1', 'n3>n2', 'n3>n4', 'n4>n1']);
  assert.ok(
    plan.expectations
      .filter((e) => e.expected && (e.from === 'n2' || e.from === 'n3') && (e.to === 'n1' || e.to === 'n4'))
      .every((e) => e.why === 'one-way reverse'),
  );
  assert.ok(plan.expectations.filter((e) => !e.expected).every((e) => e.why === 'one-way cut'));
});

test('heal unhooks first, then flushes and deletes the chains, each only if present (idempotent)', () => {
  const plan = planPartition(members, { kind: 'groups', groups: { a: ['n1'], b: ['n2'] } });
  assert.deepEqual(scripts(plan, 'heal').n1, [
    'iptables -C INPUT -j OHS-FAULT-IN && iptables -D INPUT -j OHS-FAULT-IN',
    'iptables -C OUTPUT -j OHS-FAULT-OUT && iptables -D OUTPUT -j OHS-FAULT-OUT',
    'iptables -n -L OHS-FAULT-IN && { iptables -F OHS-FAULT-IN && iptables -X OHS-FAULT-IN; }',
    'iptables -n -L OHS-FAULT-OUT && { iptables -F OHS-FAULT-OUT && iptables -X OHS-FAULT-OUT; }',
  ]);
  const oneWay = planPartition(members, { kind: 'one-way', from: ['n1'], to: ['n2'] });
  assert.deepEqual(scripts(oneWay, 'heal').n2, [
    'iptables -C INPUT -j OHS-FAULT-IN && iptables -D INPUT -j OHS-FAULT-IN',
    'iptables -n -L OHS-FAULT-IN && { iptables -F OHS-FAULT-IN && iptables -X OHS-FAULT-IN; }',
  ]);
});

test("rules touch only the fault's own chains and the INPUT/OUTPUT jumps, never a Docker chain or another table", () => {
  const plan = planPartition(members, { kind: 'groups', groups: { a: ['n1', 'n2'], b: ['n3'] } }, { chain: 'OHS-FAULT-7' });
  for (const c of plan.containers) {
    for (const step of [...c.apply, ...c.heal]) {
      for (const args of [...step.run, ...(step.when ? [step.when.check] : [])]) {
        assert.ok(!args.includes('-t'), renderStep(step));
        const chain = args[args[0] === '-n' ? 2 : 1]!;
        assert.ok(['INPUT', 'OUTPUT', 'OHS-FAULT-7-IN', 'OHS-FAULT-7-OUT'].includes(chain), `${chain} in ${renderStep(step)}`);
        if (chain === 'INPUT' || chain === 'OUTPUT') assert.deepEqual(args.slice(-2), ['-j', `OHS-FAULT-7-${chain === 'INPUT' ? 'IN' : 'OUT'}`]);
      }
    }
  }
});

test('unknown node ids are rejected, naming them and the members', () => {
  assert.throws(
    () => planPartition(members, { kind: 'groups', groups: { a: ['n1', 'nX'], b: ['n2', 'nY'] } }),
    (e: Error) => e instanceof PartitionSpecError && /unknown node ids "nX", "nY"/.test(e.message) && /members: etcd-1, n1, n2, n3, n4/.test(e.message),
  );
  assert.throws(() => planPartition(members, { kind: 'one-way', from: ['ghost'], to: ['n2'] }), /unknown node id "ghost"/);
});

test('a node in two groups is rejected', () => {
  assert.throws(
    () => planPartition(members, { kind: 'groups', groups: { a: ['n1', 'n2'], b: ['n2', 'n3'] } }),
    (e: Error) => e instanceof PartitionSpecError && /node "n2" is in two groups \("a" and "b"\)/.test(e.message),
  );
  assert.throws(() => planPartition(members, { kind: 'groups', groups: { a: ['n1', 'n1'], b: ['n3'] } }), /listed twice in group "a"/);
});

test('fewer than two groups, or an empty group, is rejected', () => {
  assert.throws(() => planPartition(members, { kind: 'groups', groups: { all: ['n1', 'n2'] } }), /at least two groups; got 1 \(all\)/);
  assert.throws(() => planPartition(members, { kind: 'groups', groups: {} }), /at least two groups; got 0/);
  assert.throws(() => planPartition(members, { kind: 'groups', groups: { a: ['n1'], b: [] } }), /group "b" is empty/);
});

test('one-way specs: empty sides and a node on both sides are rejected', () => {
  assert.throws(() => planPartition(members, { kind: 'one-way', from: [], to: ['n2'] }), /"from" names no node/);
  assert.throws(() => planPartition(members, { kind: 'one-way', from: ['n1'], to: [] }), /"to" names no node/);
  assert.throws(() => planPartition(members, { kind: 'one-way', from: ['n1', 'n2'], to: ['n2'] }), /"n2" cannot be on both sides/);
});

test('members must have distinct ids and an IPv4 address; chain names must fit iptables', () => {
  assert.throws(() => planPartition([n1, { ...n2, id: 'n1' }], { kind: 'groups', groups: { a: ['n1'], b: ['n1'] } }), /two containers answer to node id "n1"/);
  assert.throws(() => planPartition([n1, { ...n2, ip: '' }], { kind: 'groups', groups: { a: ['n1'], b: ['n2'] } }), /member "n2" has no IPv4 address/);
  assert.throws(() => planPartition(members, { kind: 'groups', groups: { a: ['n1'], b: ['n2'] } }, { chain: 'OHS FAULT; rm -rf' }), /chain name/);
  assert.throws(() => planPartition(members, { kind: 'groups', groups: { a: ['n1'], b: ['n2'] } }, { chain: 'X'.repeat(25) }), /chain name/);
});

test('an unknown kind is rejected', () => {
  assert.throws(() => planPartition(members, { kind: 'bridge' } as never), /unknown partition kind "bridge"/);
});

test('the plan is deterministic and the spec reads back in one line', () => {
  const spec = { kind: 'groups', groups: { a: ['n2', 'n1'], b: ['n4', 'n3'] } } as const;
  const a = planPartition(members, spec);
  const b = planPartition([...members].reverse(), spec);
  assert.deepEqual(
    a.containers.map((c) => [c.member.id, c.apply, c.heal]),
    b.containers.map((c) => [c.member.id, c.apply, c.heal]),
  );
  assert.deepEqual(a.expectations, b.expectations);
  assert.equal(describeSpec(spec), 'a: [n2, n1] | b: [n4, n3]');
  assert.equal(describeSpec({ kind: 'one-way', from: ['n1'], to: ['n2'] }), 'one-way: [n1] cannot reach [n2]');
});

// ---- pairs ----

test('pairs: each side of a listed pair drops the other on INPUT and OUTPUT, in the order the pairs are listed', () => {
  const plan = planPartition(
    members,
    {
      kind: 'pairs',
      cut: [
        ['n1', 'n3'],
        ['n4', 'n1'],
      ],
    },
    { chain: 'OHS-FAULT-3' },
  );
  assert.deepEqual(plan.verify, { mode: 'reachability' });
  assert.deepEqual(
    plan.containers.map((c) => c.member.id),
    ['n1', 'n3', 'n4'],
  );
  assert.deepEqual(scripts(plan).n1, [
    'iptables -n -L OHS-FAULT-3-IN || iptables -N OHS-FAULT-3-IN',
    'iptables -F OHS-FAULT-3-IN && iptables -A OHS-FAULT-3-IN -s 10.9.0.3/32 -j DROP && iptables -A OHS-FAULT-3-IN -s 10.9.0.4/32 -j DROP',
    'iptables -n -L OHS-FAULT-3-OUT || iptables -N OHS-FAULT-3-OUT',
    'iptables -F OHS-FAULT-3-OUT && iptables -A OHS-FAULT-3-OUT -d 10.9.0.3/32 -j DROP && iptables -A OHS-FAULT-3-OUT -d 10.9.0.4/32 -j DROP',
    'iptables -C INPUT -j OHS-FAULT-3-IN || iptables -I INPUT 1 -j OHS-FAULT-3-IN',
    'iptables -C OUTPUT -j OHS-FAULT-3-OUT || iptables -I OUTPUT 1 -j OHS-FAULT-3-OUT',
  ]);
  assert.deepEqual(scripts(plan).n3, [
    'iptables -n -L OHS-FAULT-3-IN || iptables -N OHS-FAULT-3-IN',
    'iptables -F OHS-FAULT-3-IN && iptables -A OHS-FAULT-3-IN -s 10.9.0.1/32 -j DROP',
    'iptables -n -L OHS-FAULT-3-OUT || iptables -N OHS-FAULT-3-OUT',
    'iptables -F OHS-FAULT-3-OUT && iptables -A OHS-FAULT-3-OUT -d 10.9.0.1/32 -j DROP',
    'iptables -C INPUT -j OHS-FAULT-3-IN || iptables -I INPUT 1 -j OHS-FAULT-3-IN',
    'iptables -C OUTPUT -j OHS-FAULT-3-OUT || iptables -I OUTPUT 1 -j OHS-FAULT-3-OUT',
  ]);
  assert.deepEqual(scripts(plan, 'heal').n4, [
    'iptables -C INPUT -j OHS-FAULT-3-IN && iptables -D INPUT -j OHS-FAULT-3-IN',
    'iptables -C OUTPUT -j OHS-FAULT-3-OUT && iptables -D OUTPUT -j OHS-FAULT-3-OUT',
    'iptables -n -L OHS-FAULT-3-IN && { iptables -F OHS-FAULT-3-IN && iptables -X OHS-FAULT-3-IN; }',
    'iptables -n -L OHS-FAULT-3-OUT && { iptables -F OHS-FAULT-3-OUT && iptables -X OHS-FAULT-3-OUT; }',
  ]);
  // The planned chains, as the rule check (loss) or a reader sees them.
  assert.deepEqual(plan.containers.find((c) => c.member.id === 'n3')!.chains, [
    { hook: 'INPUT', name: 'OHS-FAULT-3-IN', rules: [['-s', '10.9.0.1/32', '-j', 'DROP']] },
    { hook: 'OUTPUT', name: 'OHS-FAULT-3-OUT', rules: [['-d', '10.9.0.1/32', '-j', 'DROP']] },
  ]);
});

test('pairs: listed pairs are cut both ways, every other pair among the named nodes must connect', () => {
  const plan = planPartition(members, {
    kind: 'pairs',
    cut: [
      ['n1', 'n3'],
      ['n4', 'n1'],
    ],
  });
  assert.deepEqual(pairs(plan, false), ['n1>n3', 'n1>n4', 'n3>n1', 'n4>n1']);
  assert.deepEqual(pairs(plan, true), ['n3>n4', 'n4>n3']);
  assert.ok(plan.expectations.filter((e) => !e.expected).every((e) => e.why === 'cut'));
  assert.ok(plan.expectations.filter((e) => e.expected).every((e) => e.why === 'not cut'));
  // Nodes named nowhere (n2, etcd-1) are untouched and unverified, as with groups.
  assert.ok(!plan.expectations.some((e) => [e.from, e.to].some((id) => id === 'n2' || id === 'etcd-1')));
});

test('pairs: `nodes` brings a node into the verification without cutting it (no rules for it)', () => {
  const plan = planPartition(members, { kind: 'pairs', cut: [['n1', 'n3']], nodes: ['n2'] });
  assert.deepEqual(
    plan.containers.map((c) => c.member.id),
    ['n1', 'n3'],
  );
  assert.deepEqual(pairs(plan, true), ['n1>n2', 'n2>n1', 'n2>n3', 'n3>n2']);
  assert.deepEqual(pairs(plan, false), ['n1>n3', 'n3>n1']);
  assert.equal(describeSpec({ kind: 'pairs', cut: [['n1', 'n3']], nodes: ['n2'] }), 'cut: n1–n3 (also checked: n2)');
  assert.equal(describeSpec({ kind: 'pairs', cut: [['n1', 'n3']], label: 'bridge n2' }), 'bridge n2');
});

test('pairs: unknown ids, self pairs, duplicates (either order), malformed and empty lists are rejected, all at once', () => {
  assert.throws(
    () =>
      planPartition(members, {
        kind: 'pairs',
        cut: [
          ['n1', 'nX'],
          ['nY', 'n2'],
        ],
      }),
    (e: Error) => e instanceof PartitionSpecError && /unknown node ids "nX", "nY"/.test(e.message) && /members: etcd-1, n1, n2, n3, n4/.test(e.message),
  );
  assert.throws(() => planPartition(members, { kind: 'pairs', cut: [['n1', 'n2']], nodes: ['ghost'] }), /unknown node id "ghost"/);
  assert.throws(
    () =>
      planPartition(members, {
        kind: 'pairs',
        cut: [
          ['n1', 'n2'],
          ['n3', 'n3'],
          ['n2', 'n1'],
          ['n1', 'n2'],
        ],
      }),
    (e: Error) =>
      e instanceof PartitionSpecError &&
      /^invalid pairs partition:/.test(e.message) &&
      /cut\[1\] pairs "n3" with itself/.test(e.message) &&
      /cut\[2\] \["n2", "n1"\] repeats cut\[0\] \["n1", "n2"\] \(pairs are unordered/.test(e.message) &&
      /cut\[3\] \["n1", "n2"\] repeats cut\[0\]/.test(e.message),
  );
  assert.throws(() => planPartition(members, { kind: 'pairs', cut: [] }), /"cut" lists no pair/);
  assert.throws(
    () => planPartition(members, { kind: 'pairs', cut: [['n1', 'n2', 'n3']] } as never),
    /cut\[0\] is not a pair of node ids \(got \["n1","n2","n3"\]\)/,
  );
  assert.throws(() => planPartition(members, { kind: 'pairs', cut: [['n1', '']] } as never), /cut\[0\] is not a pair of node ids/);
  assert.throws(() => planPartition(members, { kind: 'pairs', cut: [['n1', 'n2']], nodes: ['n3', 'n3'] }), /"nodes" lists "n3" more than once/);
});

test('pairs: the plan does not depend on the order of the members', () => {
  const spec = {
    kind: 'pairs',
    cut: [
      ['n2', 'n4'],
      ['n1', 'n2'],
    ],
    nodes: ['n3'],
  } as const;
  const a = planPartition(members, spec);
  const b = planPartition([...members].reverse(), spec);
  assert.deepEqual(
    a.containers.map((c) => [c.member.id, c.apply, c.heal]),
    b.containers.map((c) => [c.member.id, c.apply, c.heal]),
  );
  assert.deepEqual(a.expectations, b.expectations);
});

// ---- loss ----

test('loss: every named node drops a random share of its traffic with the other group, INPUT and OUTPUT', () => {
  // 36% on the path = 20% at each of the two rules a packet meets (sender OUTPUT, receiver INPUT).
  const plan = planPartition(members, { kind: 'loss', between: { a: ['n1'], b: ['n3', 'n4'] }, probability: 0.36 }, { chain: 'OHS-FAULT-5' });
  assert.deepEqual(plan.verify, { mode: 'loss', probability: 0.36, perRuleProbability: 0.2 });
  assert.deepEqual(
    plan.containers.map((c) => c.member.id),
    ['n1', 'n3', 'n4'],
  );
  const stat = '-m statistic --mode random --probability 0.2 -j DROP';
  assert.deepEqual(scripts(plan).n1, [
    'iptables -n -L OHS-FAULT-5-IN || iptables -N OHS-FAULT-5-IN',
    `iptables -F OHS-FAULT-5-IN && iptables -A OHS-FAULT-5-IN -s 10.9.0.3/32 ${stat} && iptables -A OHS-FAULT-5-IN -s 10.9.0.4/32 ${stat}`,
    'iptables -n -L OHS-FAULT-5-OUT || iptables -N OHS-FAULT-5-OUT',
    `iptables -F OHS-FAULT-5-OUT && iptables -A OHS-FAULT-5-OUT -d 10.9.0.3/32 ${stat} && iptables -A OHS-FAULT-5-OUT -d 10.9.0.4/32 ${stat}`,
    'iptables -C INPUT -j OHS-FAULT-5-IN || iptables -I INPUT 1 -j OHS-FAULT-5-IN',
    'iptables -C OUTPUT -j OHS-FAULT-5-OUT || iptables -I OUTPUT 1 -j OHS-FAULT-5-OUT',
  ]);
  assert.deepEqual(scripts(plan).n4, [
    'iptables -n -L OHS-FAULT-5-IN || iptables -N OHS-FAULT-5-IN',
    `iptables -F OHS-FAULT-5-IN && iptables -A OHS-FAULT-5-IN -s 10.9.0.1/32 ${stat}`,
    'iptables -n -L OHS-FAULT-5-OUT || iptables -N OHS-FAULT-5-OUT',
    `iptables -F OHS-FAULT-5-OUT && iptables -A OHS-FAULT-5-OUT -d 10.9.0.1/32 ${stat}`,
    'iptables -C INPUT -j OHS-FAULT-5-IN || iptables -I INPUT 1 -j OHS-FAULT-5-IN',
    'iptables -C OUTPUT -j OHS-FAULT-5-OUT || iptables -I OUTPUT 1 -j OHS-FAULT-5-OUT',
  ]);
  // Healed like any other fault.
  assert.deepEqual(scripts(plan, 'heal').n3, [
    'iptables -C INPUT -j OHS-FAULT-5-IN && iptables -D INPUT -j OHS-FAULT-5-IN',
    'iptables -C OUTPUT -j OHS-FAULT-5-OUT && iptables -D OUTPUT -j OHS-FAULT-5-OUT',
    'iptables -n -L OHS-FAULT-5-IN && { iptables -F OHS-FAULT-5-IN && iptables -X OHS-FAULT-5-IN; }',
    'iptables -n -L OHS-FAULT-5-OUT && { iptables -F OHS-FAULT-5-OUT && iptables -X OHS-FAULT-5-OUT; }',
  ]);
  // Group mates get no rule for each other.
  assert.ok(!scripts(plan).n3!.join('\n').includes('10.9.0.4/32'));
});

test('loss: the per-rule probability composes to the spec probability over the two rules a packet meets', () => {
  const plan = planPartition(members, { kind: 'loss', between: { a: ['n1'], b: ['n2'] }, probability: 0.2 });
  assert.deepEqual(plan.verify, { mode: 'loss', probability: 0.2, perRuleProbability: 0.105572809 });
  assert.match(scripts(plan).n1![1]!, /-s 10\.9\.0\.2\/32 -m statistic --mode random --probability 0\.105572809 -j DROP$/);
  assert.ok(Math.abs(1 - (1 - 0.105572809) ** 2 - 0.2) < 1e-9);
  assert.equal(perRuleProbability(0.75), 0.5);
  assert.equal(formatProbability(0.19999999999999996), '0.2');
  assert.equal(formatProbability(0.5), '0.5');
  assert.equal(formatProbability(1 - Math.sqrt(0.99)), '0.0050125629');
});

test('loss: no pair is expected cut; pairs across the groups are lossy, group mates connect', () => {
  const plan = planPartition(members, { kind: 'loss', between: { a: ['n1', 'n2'], b: ['n3'] }, probability: 0.1 });
  assert.deepEqual(pairs(plan, false), []);
  assert.deepEqual(pairs(plan, true), ['n1>n2', 'n1>n3', 'n2>n1', 'n2>n3', 'n3>n1', 'n3>n2']);
  const lossy = plan.expectations
    .filter((e) => e.why === 'lossy')
    .map((e) => `${e.from}>${e.to}`)
    .sort();
  assert.deepEqual(lossy, ['n1>n3', 'n2>n3', 'n3>n1', 'n3>n2']);
  assert.equal(describeSpec(plan.spec), 'loss 10%: [n1, n2] <-> [n3]');
});

test('loss: the probability must lie strictly between 0 and 1', () => {
  const spec = (probability: number) => ({ kind: 'loss', between: { a: ['n1'], b: ['n2'] }, probability }) as const;
  for (const p of [0, 1, -0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => planPartition(members, spec(p)),
      (e: Error) => e instanceof PartitionSpecError && /"probability" must be a number strictly between 0 and 1/.test(e.message),
      String(p),
    );
  }
  assert.throws(() => planPartition(members, spec(1)), /a loss of 1 drops everything: use a groups or pairs partition/);
  assert.throws(() => planPartition(members, { ...spec(0.2), probability: '0.2' } as never), /got "0\.2"/);
  assert.throws(() => planPartition(members, spec(1e-12)), /below what iptables' statistic match can express/);
});

test('loss: empty sides, duplicates, a node on both sides and unknown ids are rejected', () => {
  assert.throws(() => planPartition(members, { kind: 'loss', between: { a: [], b: ['n2'] }, probability: 0.2 }), /"between\.a" names no node/);
  assert.throws(
    () => planPartition(members, { kind: 'loss', between: { a: ['n1'], b: ['n2', 'n2'] }, probability: 0.2 }),
    /"between\.b" lists "n2" more than once/,
  );
  assert.throws(
    () => planPartition(members, { kind: 'loss', between: { a: ['n1', 'n2'], b: ['n2'] }, probability: 0.2 }),
    /"n2" cannot be on both sides of a lossy link/,
  );
  assert.throws(() => planPartition(members, { kind: 'loss', between: { a: ['n1'], b: ['ghost'] }, probability: 0.2 }), /unknown node id "ghost"/);
});

test("pairs and loss touch only the fault's own chains and the INPUT/OUTPUT jumps", () => {
  for (const spec of [
    {
      kind: 'pairs',
      cut: [
        ['n1', 'n2'],
        ['n2', 'n3'],
      ],
    },
    { kind: 'loss', between: { a: ['n1'], b: ['n2', 'n3'] }, probability: 0.3 },
  ] as const) {
    const plan = planPartition(members, spec, { chain: 'OHS-FAULT-7' });
    for (const c of plan.containers) {
      for (const step of [...c.apply, ...c.heal]) {
        for (const args of [...step.run, ...(step.when ? [step.when.check] : [])]) {
          assert.ok(!args.includes('-t'), renderStep(step));
          const chain = args[args[0] === '-n' ? 2 : 1]!;
          assert.ok(['INPUT', 'OUTPUT', 'OHS-FAULT-7-IN', 'OHS-FAULT-7-OUT'].includes(chain), `${chain} in ${renderStep(step)}`);
        }
      }
    }
  }
});

test("impaired pairs: what other faults' verifications leave out while a plan is active (cut pairs; lossy pairs of a loss)", () => {
  const cut = planPartition(members, { kind: 'one-way', from: ['n1'], to: ['n2'] });
  assert.deepEqual(impairedPairs(cut), [{ from: 'n1', to: 'n2', how: 'cut' }]);
  const loss = planPartition(members, { kind: 'loss', between: { a: ['n1', 'n2'], b: ['n3'] }, probability: 0.2 });
  assert.deepEqual(
    impairedPairs(loss).map((p) => `${p.from}>${p.to}:${p.how}`),
    ['n1>n3:lossy', 'n2>n3:lossy', 'n3>n1:lossy', 'n3>n2:lossy'],
  );
});
