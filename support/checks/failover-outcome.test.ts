import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topologyByName } from '../../topologies';
import { normaliseFailover } from './failover-outcome';

const topology = topologyByName('GlobalLeaderWithTwoRegions');
const facts = (westLeader: string) => ({
  initialLeaders: { 'region/west': westLeader, 'global-control': 'global-1', 'region/east': 'east-2' },
  promotion: { scope: 'global-control', method: 'revoked' as const, previousLeaderId: 'global-1', leaderId: westLeader },
  finalLeaders: { 'global-control': westLeader, 'region/east': 'east-2', 'region/west': westLeader },
  globalTerms: [1, 2],
  servedBy: [westLeader, westLeader],
  deposedSteppedDown: true,
});

test('equivalent winners normalise to the same outcome', () => {
  assert.deepEqual(normaliseFailover(topology, facts('west-1')), normaliseFailover(topology, facts('west-2')));
});

test('ids become region/role, scopes are sorted, repeated servers collapse', () => {
  const outcome = normaliseFailover(topology, facts('west-1'));
  assert.deepEqual(Object.keys(outcome.initialLeaders), ['global-control', 'region/east', 'region/west']);
  assert.deepEqual(outcome.promotion, { scope: 'global-control', method: 'revoked', from: 'global/global', to: 'west/regional' });
  assert.deepEqual(outcome.servedBy, ['west/regional']);
});

test('a different winner role is a different outcome', () => {
  assert.notDeepEqual(normaliseFailover(topology, facts('west-1')), normaliseFailover(topology, facts('west-3')));
});
