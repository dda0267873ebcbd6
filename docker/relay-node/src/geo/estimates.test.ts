import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRegion, RegionLatency } from './estimates';

test('slow samples degrade a region past the threshold; it recovers only well below it', () => {
  const latency = new RegionLatency(250);
  latency.observe('west', 5);
  assert.equal(latency.get('west')?.degraded, false);
  const flips = [420, 420, 420].map((ms) => latency.observe('west', ms));
  assert.deepEqual(flips, [false, false, true], 'the third 420 ms sample takes the average past 250 ms');
  latency.observe('west', 5);
  assert.ok(latency.get('west')!.estimateMs < 250 && latency.get('west')!.degraded, 'below the threshold but above 60 % of it: still degraded');
  while (latency.get('west')!.degraded) latency.observe('west', 5);
  assert.ok(latency.get('west')!.estimateMs < 150);
});

test('home while healthy, else the cheapest healthy region, own region free', () => {
  const latency = new RegionLatency(250);
  const regions = new Set(['east', 'west', 'south']);
  latency.observe('west', 10);
  latency.observe('south', 80);
  assert.deepEqual(chooseRegion('west', 'east', regions, latency), { region: 'west', decision: 'home' });
  for (let i = 0; i < 5; i++) latency.observe('west', 500);
  assert.deepEqual(chooseRegion('west', 'east', regions, latency), { region: 'east', decision: 'fallback' });
  assert.deepEqual(chooseRegion('west', 'central', new Set(['west', 'south', 'central']), latency), { region: 'central', decision: 'fallback' });
  assert.deepEqual(chooseRegion('west', 'north', new Set(['west', 'south']), latency), { region: 'south', decision: 'fallback' });
  assert.deepEqual(chooseRegion('west', 'east', regions, latency, true), { region: 'west', decision: 'home' }, 'the seeded defect ignores the estimate');
});

test('a region with no live node is not chosen; nothing healthy keeps home', () => {
  const latency = new RegionLatency(100);
  for (let i = 0; i < 3; i++) latency.observe('west', 900);
  assert.deepEqual(chooseRegion('west', 'west-gw', new Set(['west']), latency), { region: 'west', decision: 'home-unavailable' });
  assert.deepEqual(chooseRegion('east', 'west', new Set(['west']), latency), { region: 'west', decision: 'fallback' }, 'home without a live node');
});

for (const defect of [false, true]) {
  test(`a region fast for long, then slow: ${defect ? 'geo-latency-averages-all-samples keeps it healthy' : 'degraded within a few samples'}`, () => {
    const latency = new RegionLatency(250, Date.now, defect);
    for (let i = 0; i < 2000; i++) latency.observe('west', 4);
    const slow = Array.from({ length: 200 }, () => latency.observe('west', 420));
    const regions = new Set(['east', 'west']);
    if (defect) {
      assert.equal(latency.get('west')?.degraded, false);
      assert.ok(latency.get('west')!.estimateMs < 50, '200 slow samples barely move the mean of 2200');
      assert.deepEqual(chooseRegion('west', 'east', regions, latency), { region: 'west', decision: 'home' });
    } else {
      assert.equal(slow.indexOf(true), 2, 'the third slow sample degrades it');
      assert.deepEqual(chooseRegion('west', 'east', regions, latency), { region: 'east', decision: 'fallback' });
    }
  });
}
