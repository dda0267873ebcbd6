import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePressureLabel, encodePressureLabel, PressureLabelCache, type PressureLabel } from './label';

const LABEL: PressureLabel = { level: 'saturated', node: 'ok', shards: ['shard-07', 'shard-42'], since: '2026-01-02T03:04:05.000Z', retryAfterMs: 2000 };

test('the label is compact JSON in a fixed key order and decodes back', () => {
  const raw = encodePressureLabel(LABEL);
  assert.equal(raw, '{"level":"saturated","node":"ok","shards":["shard-07","shard-42"],"since":"2026-01-02T03:04:05.000Z","retryAfterMs":2000}');
  assert.deepEqual(decodePressureLabel(raw), LABEL);
  // The same pressure encodes to the same string whatever order the object was built in.
  const { retryAfterMs, since, shards, node, level } = LABEL;
  assert.equal(encodePressureLabel({ retryAfterMs, since, shards, node, level }), raw);
});

test('absent or malformed labels read as no pressure; optional fields get defaults', () => {
  for (const raw of [undefined, '', 'not json', '[]', 'null', '{"level":"hot"}', '{"shards":["s0"]}']) {
    assert.equal(decodePressureLabel(raw), undefined, String(raw));
  }
  assert.deepEqual(decodePressureLabel('{"level":"elevated","shards":["s0",3],"extra":true}'), {
    level: 'elevated',
    node: 'ok',
    shards: ['s0'],
    since: '',
    retryAfterMs: 1000,
  });
  assert.equal(decodePressureLabel('{"level":"elevated","retryAfterMs":-5}')?.retryAfterMs, 1000);
});

test("the cache decodes a member's label again only when the string changes", () => {
  const cache = new PressureLabelCache();
  const raw = encodePressureLabel(LABEL);
  const first = cache.get('east-1', raw);
  assert.equal(cache.get('east-1', raw), first);
  assert.equal(cache.get('east-1', undefined), undefined);
  assert.deepEqual(cache.get('east-1', raw), LABEL);
});
