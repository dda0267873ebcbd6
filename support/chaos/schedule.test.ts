import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSchedule, parseSchedule } from './schedule';

const header = ['fault', 'target', 'start', 'duration'];

test('a schedule parses every fault kind, sorted by start', () => {
  const entries = parseSchedule([
    header,
    ['crash', 'east-3', '4 s', '8 seconds'],
    ['latency 300 ms ± 50 ms', 'clients → region east', '0 s', '12 seconds'],
    ['partition', 'region west / everyone else', '2 s', '8 seconds'],
    ['packet loss 20%', 'region east / region west', '1 s', '5 s'],
    ['pause', 'the global leader', '500 ms', '2 s'],
  ]);
  assert.deepEqual(
    entries.map((e) => [e.fault.kind, e.startMs, e.durationMs]),
    [
      ['latency', 0, 12_000],
      ['pause', 500, 2_000],
      ['loss', 1_000, 5_000],
      ['partition', 2_000, 8_000],
      ['crash', 4_000, 8_000],
    ],
  );
  assert.deepEqual(entries[0]!.fault, { kind: 'latency', latencyMs: 300, jitterMs: 50, link: { kind: 'clients', region: 'east' } });
  assert.deepEqual(entries[3]!.fault, { kind: 'partition', sides: ['region west', 'everyone else'] });
  assert.equal(describeSchedule(entries)[3], '+2.0 s … +10.0 s  partition on region west / everyone else, from 2 s for 8 seconds');
});

test('bad rows say which row and what is wrong', () => {
  const bad = (row: string[], pattern: RegExp) => assert.throws(() => parseSchedule([header, row]), pattern);
  bad(['latency 300 ms', 'east-1', '0 s', '1 s'], /row 2 .*latency needs proxied links as target/);
  bad(['partition', 'region west', '0 s', '1 s'], /two sides separated by "\/"/);
  bad(['flood', 'east-1', '0 s', '1 s'], /unknown fault "flood"/);
  bad(['bandwidth 64 KB/s', 'region east / region west', '0 s', '1 s'], /bandwidth needs proxied links as target/);
  bad(['crash', 'east-1', 'soon', '1 s'], /start "soon" is not a duration/);
  bad(['crash', 'east-1', '0 s', '10 minutes'], /at most 120 s/);
  bad(['packet loss 100%', 'a / b', '0 s', '1 s'], /between 0 and 100/);
  bad(['crash', 'the leader', '0 s', '1 s'], /row 2 .*crash needs one node: a node id \("east-1"\), "the global leader"/);
  bad(['pause', 'the owner of shard-99', '0 s', '1 s'], /row 2 .*unknown shard shard-99/);
  assert.equal(parseSchedule([header, ['pause', 'the owner of shard-07', '0 s', '1 s']])[0]!.fault.kind, 'pause');
  assert.throws(
    () =>
      parseSchedule([
        ['what', 'where'],
        ['crash', 'x-1'],
      ]),
    /header \| fault \| target \| start \| duration \|/,
  );
});

test('toxics on a client link: bandwidth, resets, timeouts', () => {
  const entries = parseSchedule([
    header,
    ['bandwidth 64 KB/s', 'clients -> region west', '0 s', '5 s'],
    ['connection resets', 'clients → region east', '1 s', '2 s'],
    ['connection timeouts', 'clients → region east', '3 s', '2 s'],
  ]);
  assert.deepEqual(
    entries.map((e) => e.fault),
    [
      { kind: 'bandwidth', kbPerSecond: 64, link: { kind: 'clients', region: 'west' } },
      { kind: 'resets', link: { kind: 'clients', region: 'east' } },
      { kind: 'timeouts', link: { kind: 'clients', region: 'east' } },
    ],
  );
});

test('toxics on a whole region, or between two regions', () => {
  const entries = parseSchedule([header, ['latency 400 ms', 'region west', '0 s', '5 s'], ['connection resets', 'region east ↔ region west', '1 s', '2 s']]);
  assert.deepEqual(
    entries.map((e) => e.fault),
    [
      { kind: 'latency', latencyMs: 400, jitterMs: 0, link: { kind: 'region', region: 'west' } },
      { kind: 'resets', link: { kind: 'between', a: 'east', b: 'west' } },
    ],
  );
});

test('clock faults: an offset, an offset with drift, a drift alone; bad ones say how to write them', () => {
  const entries = parseSchedule([
    header,
    ['clock skew -20 s', 'the global leader', '0 s', '30 s'],
    ['clock skew +3 s drift -5 %', 'ring-2', '1 s', '30 s'],
    ['clock drift 10%', 'ring-3', '2 s', '30 s'],
  ]);
  assert.deepEqual(
    entries.map((e) => e.fault),
    [
      { kind: 'clock', offsetMs: -20_000, drift: 0, node: 'the global leader' },
      { kind: 'clock', offsetMs: 3_000, drift: -0.05, node: 'ring-2' },
      { kind: 'clock', offsetMs: 0, drift: 0.1, node: 'ring-3' },
    ],
  );
  const bad = (row: string[], pattern: RegExp) => assert.throws(() => parseSchedule([header, row]), pattern);
  bad(['clock skew 20', 'ring-1', '0 s', '1 s'], /"clock skew 20" is not a clock fault; write "clock skew -20 s"/);
  bad(['clock skew -2 hours', 'ring-1', '0 s', '1 s'], /not a clock fault/);
  bad(['clock skew -7200 s', 'ring-1', '0 s', '1 s'], /more than an hour/);
  bad(['clock drift 150 %', 'ring-1', '0 s', '1 s'], /between -100 % and 100 %/);
  bad(['clock skew 1 s', 'region west', '0 s', '1 s'], /clock skew needs one node/);
});

test('one-way cuts, graceful stops and membership surges', () => {
  const entries = parseSchedule([
    header,
    ['one-way cut', 'ring-1, ring-2 / everyone else', '0 s', '5 s'],
    ['graceful stop', 'the global leader', '1 s', '8 s'],
    ['2 nodes join', 'region ring', '2 s', '6 s'],
  ]);
  assert.deepEqual(
    entries.map((e) => e.fault),
    [
      { kind: 'one-way', sides: ['ring-1, ring-2', 'everyone else'] },
      { kind: 'graceful stop', node: 'the global leader' },
      { kind: 'surge', count: 2, region: 'ring' },
    ],
  );
  const bad = (row: string[], pattern: RegExp) => assert.throws(() => parseSchedule([header, row]), pattern);
  bad(['one-way cut', 'ring-1', '0 s', '1 s'], /two sides separated by "\/"/);
  bad(['2 nodes join', 'ring-1', '0 s', '1 s'], /"2 nodes join" needs a region as target/);
  bad(['11 nodes join', 'region ring', '0 s', '1 s'], /1 to 10 nodes/);
  bad(['graceful stop', 'everyone', '0 s', '1 s'], /graceful stop needs one node/);
});
