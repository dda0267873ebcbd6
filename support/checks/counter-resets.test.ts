import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterResetReport, type Scrape } from './counter-resets';

const scrape = (atMs: number, start: number | undefined, total: number, node = 'ring-1'): Scrape => ({
  node,
  atMs,
  samples: [
    ...(start === undefined ? [] : [{ name: 'process_start_time_seconds', labels: {}, value: start }]),
    { name: 'mesh_gossip_messages_total', labels: { mesh_direction: 'inbound' }, value: total },
  ],
});

test('a counter that drops when the start time changes is a restart the scraper handles', () => {
  const report = counterResetReport([scrape(0, 100, 5), scrape(1000, 100, 40), scrape(2000, 130, 3), scrape(3000, 130, 9)]);
  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.restartsSeen, { 'ring-1': 1 });
  assert.deepEqual(report.resetsHandled, { 'ring-1': 1 });
});

test('a counter that drops while the start time stays is a reset no scraper can detect', () => {
  const report = counterResetReport([scrape(0, 100, 5), scrape(1000, 100, 40), scrape(2000, 100, 3)]);
  assert.equal(report.problems.length, 1);
  assert.match(
    report.problems[0]!,
    /ring-1: mesh_gossip_messages_total\{mesh_direction="inbound"\} fell from 40 to 3 at 2\.0 s while process_start_time_seconds stayed 100/,
  );
});

test('no start time is a problem of its own; nodes are judged apart', () => {
  const report = counterResetReport([scrape(0, undefined, 5, 'a'), scrape(0, 100, 50, 'b'), scrape(500, 100, 60, 'b')]);
  assert.match(report.problems[0]!, /a at 0\.0 s exposes no process_start_time_seconds/);
  assert.equal(report.problems.length, 1);
});

test('after a restart, a series the new process exports only later starts from nothing, not from the old value', () => {
  const gossip = (atMs: number, start: number, value: number): Scrape => ({
    node: 'ring-5',
    atMs,
    samples: [
      { name: 'process_start_time_seconds', labels: {}, value: start },
      { name: 'mesh_gossip_messages_total', labels: { mesh_outcome: 'success' }, value },
    ],
  });
  const restartedBare: Scrape = { node: 'ring-5', atMs: 1000, samples: [{ name: 'process_start_time_seconds', labels: {}, value: 130 }] };
  const report = counterResetReport([gossip(0, 100, 13), restartedBare, gossip(2000, 130, 4), gossip(3000, 130, 9)]);
  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.restartsSeen, { 'ring-5': 1 });
});
