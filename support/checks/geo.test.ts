import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from './history';
import { clientsMovedProblems, routedSince, routingAgreementProblems, servedInProblems, servedPerSecond, tallyServed } from './geo';

let index = 0;
const call = (completeMs: number, servedRegion: string | undefined, outcome: Op['outcome'] = 'ok'): Op => ({
  index: index++,
  process: 'vc-1',
  f: 'echo',
  target: 'east-1',
  invokeMs: completeMs - 5,
  completeMs,
  outcome,
  result: servedRegion ? { servedRegion } : {},
});

test('calls are tallied by the region that served them, within the window', () => {
  const ops = [call(100, 'west'), call(900, 'east'), call(950, 'east'), call(990, undefined, 'info'), call(1500, 'west')];
  const tally = tallyServed(ops, 'echo', 0, 1000);
  assert.deepEqual(tally, { completed: 4, ok: 3, byRegion: { west: 1, east: 2 } });
  assert.deepEqual(servedInProblems(tally, 'east', 0.5, 4), []);
  assert.match(servedInProblems(tally, 'east', 0.9, 4)[0]!, /2 of 4 calls were served in east \(at least 90 % expected\); served: west 1, east 2/);
  assert.match(servedInProblems(tally, 'east', 0.5, 10)[0]!, /only 4 calls completed/);
  assert.deepEqual(servedPerSecond(ops, 'echo'), { '0': { west: 1, east: 2 }, '1': { west: 1 } });
});

test('routing metrics agree with the clients within the retried attempts, never below them', () => {
  assert.deepEqual(routingAgreementProblems({ west: 100, east: 52 }, { west: 98, east: 50 }, 4), []);
  assert.match(
    routingAgreementProblems({ west: 100, east: 40 }, { west: 100, east: 50 }, 4)[0]!,
    /clients saw 50 calls served in east, but the nodes routed only 40/,
  );
  assert.match(routingAgreementProblems({ west: 120 }, { west: 100 }, 4)[0]!, /routed 120 calls to west, the clients saw 100 .*difference 20/);
  assert.match(routingAgreementProblems({}, { east: 3 }, 10)[0]!, /routed only 0/);
});

test('routed since the baseline: each series rise for the home region, per serving region', () => {
  const m = 'mesh_geo_routed_total';
  const s = (home: string, served: string, value: number) => ({ name: m, labels: { mesh_home_region: home, mesh_served_region: served }, value });
  assert.deepEqual(routedSince([s('west', 'west', 10), s('west', 'east', 4), s('east', 'east', 99)], [s('west', 'west', 3)], m, 'west'), { west: 7, east: 4 });
  assert.deepEqual(routedSince([], [], m, 'west'), {});
});

test('clients served in one region only never moved: that is a problem', () => {
  assert.deepEqual(clientsMovedProblems({ west: 10, east: 5 }), []);
  assert.deepEqual(clientsMovedProblems({ west: 10 }), ['the clients saw their calls served in west only: they never moved']);
  assert.deepEqual(clientsMovedProblems({}), ['the clients saw their calls served in no region only: they never moved']);
});
