import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topologyByName } from '../../topologies';
import type { LeadersView, LeaseToken, PeersView } from '../fabric/contract';
import {
  crossRegionRoundTripComparison,
  crossRegionRoundTripProblems,
  eligibilityProblems,
  leadershipAgreementProblems,
  membershipAfterSurgeProblems,
  membershipProblems,
  onlyNodeLeftProblems,
} from './cluster-views';

const topology = topologyByName('GlobalLeaderWithTwoRegions');
const future = new Date(Date.now() + 60_000).toISOString();
const token = (scope: string, leaderId: string, expiresAt = future): LeaseToken => ({
  scope,
  scopeKind: scope === 'global-control' ? 0 : 2,
  leaderId,
  term: 1,
  fenceToken: 1,
  issuedAt: new Date().toISOString(),
  expiresAt,
});
const healthy = (): LeaseToken[] => [token('global-control', 'global-1'), token('region/east', 'east-1'), token('region/west', 'west-2')];
const everyone = (tokens: () => LeaseToken[]) => new Map<string, LeadersView>(topology.nodes.map((n) => [n.id, { generatedAt: '', tokens: tokens() }]));

test('agreement holds when every node sees the same single leader per scope', () => {
  assert.deepEqual(leadershipAgreementProblems(topology, everyone(healthy)), []);
  assert.deepEqual(eligibilityProblems(topology, everyone(healthy)), []);
});

test('a missing scope, a disagreement, an expired lease and an unexpected scope are each reported', () => {
  const views = everyone(healthy);
  views.set('east-3', { generatedAt: '', tokens: [token('global-control', 'global-1'), token('region/east', 'east-2')] });
  views.set('west-3', {
    generatedAt: '',
    tokens: [...healthy().slice(0, 2), token('region/west', 'west-2', '2000-01-01T00:00:00Z'), token('region/global', 'global-1')],
  });
  const problems = leadershipAgreementProblems(topology, views).join('\n');
  assert.match(problems, /east-3 sees no leader for region\/west/);
  assert.match(problems, /views disagree on the leader of region\/east: east-1 \(seen by .*\); east-2 \(seen by east-3\)/);
  assert.match(problems, /west-3 reports an expired lease for region\/west/);
  assert.match(problems, /west-3 sees global-1 leading region\/global, a scope no node was declared eligible for/);
});

test('two leaders in one view is split brain as far as that node can tell', () => {
  const views = everyone(() => [...healthy(), token('global-control', 'east-1')]);
  assert.match(leadershipAgreementProblems(topology, views).join('\n'), /sees 2 leaders for global-control: global-1, east-1/);
});

test('a lease held by an ineligible node is reported once, naming who was eligible', () => {
  const views = everyone(() => [token('global-control', 'east-3'), token('region/east', 'east-1'), token('region/west', 'west-1')]);
  assert.deepEqual(eligibilityProblems(topology, views), [
    'global-control is held by east-3, which was not declared eligible (eligible: global-1, east-1, east-2, west-1, west-2)',
  ]);
});

const peersOf = (observer: string, tweak: (p: PeersView['peers'][number]) => void = () => {}): PeersView => ({
  generatedAt: '',
  localNodeId: observer,
  peers: topology.nodes
    .filter((n) => n.id !== observer)
    .map((n) => {
      const p = { nodeId: n.id, status: 'Alive' as const, lastSeen: '', metadata: { role: n.role, region: n.region, clusterId: topology.clusterId } };
      tweak(p);
      return p;
    }),
});

test('membership holds when everyone sees everyone Alive with declared metadata', () => {
  const views = new Map(topology.nodes.map((n) => [n.id, peersOf(n.id)]));
  assert.deepEqual(membershipProblems(topology, views), []);
});

test('membership reports unknown, suspect, wrong role and wrong region peers', () => {
  const views = new Map(topology.nodes.map((n) => [n.id, peersOf(n.id)]));
  views.set(
    'east-1',
    peersOf('east-1', (p) => {
      if (p.nodeId === 'west-3') p.status = 'Suspect' as never;
      if (p.nodeId === 'west-1') p.metadata.role = 'replica';
      if (p.nodeId === 'global-1') p.metadata.region = 'east';
    }),
  );
  views.set('east-2', { ...peersOf('east-2'), peers: peersOf('east-2').peers.filter((p) => p.nodeId !== 'east-3') });
  const problems = membershipProblems(topology, views).join('\n');
  assert.match(problems, /east-1 sees west-3 Suspect/);
  assert.match(problems, /east-1 sees west-1 with role "replica", declared "regional"/);
  assert.match(problems, /east-1 sees global-1 in region "east", declared "global"/);
  assert.match(problems, /east-2 does not know east-3/);
});

test('only the faulty node is Left: every observer sees it Left and everyone else Alive', () => {
  const view = (peers: Record<string, string>): PeersView =>
    ({ generatedAt: '', localNodeId: '', peers: Object.entries(peers).map(([nodeId, status]) => ({ nodeId, status })) }) as unknown as PeersView;
  assert.deepEqual(
    onlyNodeLeftProblems(
      new Map([
        ['n1', view({ n2: 'Left', n3: 'Alive' })],
        ['n3', view({ n1: 'Alive', n2: 'Left' })],
      ]),
      'n2',
    ),
    [],
  );
  assert.deepEqual(onlyNodeLeftProblems(new Map([['n1', view({ n2: 'Suspect', n3: 'Left' })]]), 'n2'), ['n1 sees n2 Suspect', 'n1 sees n3 Left']);
});

test('after a surge, departed nodes must be Left (or unknown); anything else undeclared is still a problem', () => {
  const left = (status: 'Alive' | 'Suspect' | 'Left') => ({
    nodeId: 'east-surge-1',
    status,
    lastSeen: '',
    metadata: { role: 'replica', region: 'east', clusterId: topology.clusterId },
  });
  const views = new Map(topology.nodes.map((n) => [n.id, { ...peersOf(n.id), peers: [...peersOf(n.id).peers, left('Left')] }]));
  assert.deepEqual(membershipAfterSurgeProblems(topology, views, ['east-surge-1']), []);
  views.set('east-2', peersOf('east-2'));
  assert.deepEqual(membershipAfterSurgeProblems(topology, views, ['east-surge-1']), [], 'a view that never heard of it has converged too');
  views.set('west-1', { ...peersOf('west-1'), peers: [...peersOf('west-1').peers, left('Suspect'), { ...left('Alive'), nodeId: 'stranger-1' }] });
  assert.deepEqual(membershipAfterSurgeProblems(topology, views, ['east-surge-1']), [
    'west-1 sees stranger-1, which is not in the topology',
    'west-1 sees east-surge-1, which left, Suspect',
  ]);
});

test('cross-region round trips: every pair both ways against the bound; an unmeasured pair or a missing view fails', () => {
  const measured = (rtt: (observer: string, peer: string) => number | undefined) =>
    new Map(
      topology.nodes.map((n) => [
        n.id,
        peersOf(n.id, (p) => {
          const r = rtt(n.id, p.nodeId);
          if (r !== undefined) Object.assign(p, { rttMs: r });
        }),
      ]),
    );
  const slow = measured(() => 612.5);
  assert.deepEqual(crossRegionRoundTripProblems(topology, slow, ['east', 'west'], { over: 400 }), []);
  assert.deepEqual(crossRegionRoundTripProblems(topology, slow, ['east', 'west'], { under: 100 }).slice(0, 1), [
    'east-1 last measured 612.5 ms to west-1, expected under 100 ms',
  ]);
  // The defect's picture: exchanges across the slow link never complete, so the last fast measurement stays.
  const stale = measured((o, p) => (o === 'west-2' && p === 'east-3' ? 4.2 : o === 'east-1' && p === 'west-1' ? undefined : 650));
  assert.deepEqual(crossRegionRoundTripProblems(topology, stale, ['east', 'west'], { over: 400 }), [
    'east-1 has measured no round trip to west-1',
    'west-2 last measured 4.2 ms to east-3, expected over 400 ms',
  ]);
  const missing = new Map(slow);
  missing.delete('west-3');
  assert.deepEqual(crossRegionRoundTripProblems(topology, missing, ['east', 'west'], { over: 400 }), ['west-3 gave no gossip view']);
  assert.deepEqual(crossRegionRoundTripProblems(topology, slow, ['east', 'north'], { over: 400 }), [
    'topology "GlobalLeaderWithTwoRegions" has no node in region "north"',
  ]);
  const shown = crossRegionRoundTripComparison(topology, stale, ['east', 'west'], { over: 400 }) as {
    expected: Record<string, Record<string, string>>;
    actual: Record<string, Record<string, string>>;
  };
  assert.deepEqual(shown.expected['west-2'], { 'east-1': 'over 400 ms', 'east-2': 'over 400 ms', 'east-3': 'over 400 ms' });
  assert.deepEqual(shown.actual['west-2'], { 'east-1': '650 ms', 'east-2': '650 ms', 'east-3': '4.2 ms' });
  assert.equal(shown.actual['east-1']!['west-1'], '(none)');
  assert.equal(shown.actual['global-1'], undefined);
});
