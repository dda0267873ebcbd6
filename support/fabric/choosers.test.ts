import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CircuitBreaker,
  DEFAULT_BREAKER,
  FewestPending,
  RoundRobin,
  TwoRandom,
  UnknownPeerError,
  createChooser,
  seededRng,
  type BreakerTransition,
  type PeerLease,
} from './choosers';

/** A clock the test moves by hand. */
function fakeClock(start = 0) {
  let now = start;
  return { nowMs: () => now, advance: (ms: number) => void (now += ms) };
}

const peers = ['a', 'b', 'c'];

test('seededRng is reproducible and uniform enough', () => {
  const one = seededRng(42);
  const two = seededRng(42);
  const xs = Array.from({ length: 10_000 }, () => one());
  assert.deepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => two()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
  assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, seededRng(43)));
});

test('round-robin takes each peer in turn', () => {
  const rr = new RoundRobin(peers);
  assert.deepEqual(
    Array.from({ length: 7 }, () => rr.pick()),
    ['a', 'b', 'c', 'a', 'b', 'c', 'a'],
  );
});

test('fewest-pending avoids a peer with many calls in flight', () => {
  const chooser = new FewestPending(peers, { rng: seededRng(7) });
  const held: PeerLease[] = Array.from({ length: 10 }, () => chooser.acquire('a')!); // pinned, e.g. by shard routing
  assert.equal(chooser.pending('a'), 10);
  const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 200; i++) {
    const lease = chooser.acquire()!;
    counts[lease.peer]!++;
    lease.release(true);
  }
  assert.equal(counts.a, 0, 'the loaded peer is never chosen');
  assert.ok(counts.b! > 60 && counts.c! > 60, `ties between b and c are broken at random: ${JSON.stringify(counts)}`);
  held.forEach((l) => l.release(true));
  assert.equal(chooser.pending('a'), 0);
});

test('fewest-pending spreads concurrent calls evenly', () => {
  const chooser = new FewestPending(peers, { rng: seededRng(1) });
  const leases = Array.from({ length: 30 }, () => chooser.acquire()!);
  assert.deepEqual(
    peers.map((p) => chooser.pending(p)),
    [10, 10, 10],
  );
  leases.forEach((l) => l.release(true));
});

test('fewest-pending tie-breaks follow the injected RNG', () => {
  const run = (seed: number) => {
    const chooser = new FewestPending(peers, { rng: seededRng(seed) });
    return Array.from({ length: 20 }, () => chooser.pick());
  };
  assert.deepEqual(run(99), run(99));
  assert.notDeepEqual(run(99), run(100));
});

test('two-random prefers the less loaded of its two draws', () => {
  const chooser = new TwoRandom(peers, { rng: seededRng(3) });
  const held = Array.from({ length: 5 }, () => chooser.acquire('a')!);
  const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 300; i++) counts[chooser.pick()!]!++;
  // a is only chosen when both draws are a, which two distinct draws never are.
  assert.equal(counts.a, 0);
  assert.ok(counts.b! > 0 && counts.c! > 0);
  held.forEach((l) => l.release(true));
  const single = new TwoRandom(['only'], { rng: seededRng(3) });
  assert.equal(single.pick(), 'only');
});

test('pending counts every call in flight, chosen or pinned, and a lease ends once', () => {
  const chooser = createChooser('round-robin', peers);
  const chosen = chooser.acquire()!;
  const pinned = chooser.acquire('a')!;
  assert.equal(chosen.peer, 'a');
  assert.equal(chooser.pending('a'), 2);
  chosen.release(true);
  chosen.release(true);
  assert.equal(chooser.pending('a'), 1);
  pinned.release(false);
  assert.equal(chooser.pending('a'), 0);
  assert.throws(() => chooser.acquire('zzz'), UnknownPeerError);
});

test('picks are recorded with time, and pickShare answers per time window', () => {
  const clock = fakeClock();
  const chooser = new RoundRobin(['a', 'b'], { clock });
  for (let i = 0; i < 4; i++) {
    chooser.pick(); // t = 0 .. 300: a b a b
    clock.advance(100);
  }
  for (let i = 0; i < 3; i++) {
    chooser.acquire('b')!.release(true); // t = 400 .. 600: pinned to b
    clock.advance(100);
  }
  assert.deepEqual(chooser.picks().slice(0, 2), [
    { atMs: 0, peer: 'a', pinned: false },
    { atMs: 100, peer: 'b', pinned: false },
  ]);
  assert.equal(chooser.picks().length, 7);
  assert.deepEqual(chooser.pickShare(0, 400), { a: 0.5, b: 0.5 });
  assert.deepEqual(chooser.pickShare(400, 700), { a: 0, b: 1 });
  assert.deepEqual(chooser.pickCounts(), { a: 2, b: 5 });
  assert.deepEqual(chooser.pickShare(10_000, 20_000), { a: 0, b: 0 });
});

test('pick storage grows past its first block', () => {
  const chooser = new RoundRobin(peers);
  for (let i = 0; i < 5_000; i++) chooser.pick();
  assert.deepEqual(chooser.pickCounts(), { a: 1667, b: 1667, c: 1666 });
});

test('breaker opens after N consecutive failures, half-opens after the cool-down, closes on success', () => {
  const clock = fakeClock();
  const transitions: BreakerTransition[] = [];
  const breaker = new CircuitBreaker('a', { failureThreshold: 3, coolDownMs: 1_000, halfOpenProbes: 1 }, clock, (t) => transitions.push(t));
  const fail = () => breaker.end(breaker.begin(true), false);
  fail();
  fail();
  breaker.end(breaker.begin(true), true); // a success resets the count
  fail();
  fail();
  assert.equal(breaker.state, 'closed');
  clock.advance(5);
  fail();
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.admits(), false);
  clock.advance(999);
  assert.equal(breaker.state, 'open');
  clock.advance(1);
  assert.equal(breaker.state, 'half-open');
  assert.equal(breaker.admits(), true);
  const probe = breaker.begin(true);
  assert.equal(breaker.admits(), false, 'one probe at a time');
  clock.advance(20);
  breaker.end(probe, true);
  assert.equal(breaker.state, 'closed');
  assert.deepEqual(transitions, [
    { atMs: 5, peer: 'a', from: 'closed', to: 'open' },
    { atMs: 1_005, peer: 'a', from: 'open', to: 'half-open' },
    { atMs: 1_025, peer: 'a', from: 'half-open', to: 'closed' },
  ]);
});

test('a failed probe opens the breaker again for another cool-down', () => {
  const clock = fakeClock();
  const breaker = new CircuitBreaker('a', { ...DEFAULT_BREAKER, failureThreshold: 1, coolDownMs: 100 }, clock);
  breaker.end(breaker.begin(true), false);
  clock.advance(100);
  const probe = breaker.begin(true);
  breaker.end(probe, false);
  assert.equal(breaker.state, 'open');
  clock.advance(99);
  assert.equal(breaker.state, 'open');
  clock.advance(1);
  assert.equal(breaker.state, 'half-open');
});

test('results of calls sent before a transition are ignored', () => {
  const clock = fakeClock();
  const breaker = new CircuitBreaker('a', { ...DEFAULT_BREAKER, failureThreshold: 2, coolDownMs: 100 }, clock);
  const early = [breaker.begin(true), breaker.begin(true), breaker.begin(true)];
  breaker.end(early[0]!, false);
  breaker.end(early[1]!, false);
  assert.equal(breaker.state, 'open');
  clock.advance(100);
  assert.equal(breaker.state, 'half-open');
  breaker.end(early[2]!, true); // sent while closed: no news about the peer now
  assert.equal(breaker.state, 'half-open');
});

test('choosers skip peers whose breaker is open, and come back to them after a successful probe', () => {
  const clock = fakeClock();
  const chooser = new RoundRobin(peers, { clock, breaker: { failureThreshold: 2, coolDownMs: 500 } });
  for (let i = 0; i < 2; i++) chooser.acquire('b')!.release(false); // pinned calls feed the breaker too
  assert.equal(chooser.breaker('b').state, 'open');
  assert.deepEqual(chooser.available(), ['a', 'c']);
  assert.deepEqual(
    Array.from({ length: 4 }, () => chooser.pick()),
    ['a', 'c', 'a', 'c'],
  );
  clock.advance(500);
  assert.deepEqual(chooser.available(), ['a', 'b', 'c']);
  const seen = Array.from({ length: 3 }, () => chooser.acquire()!);
  const probe = seen.find((l) => l.peer === 'b')!;
  assert.ok(probe, 'b is chosen again as a probe');
  assert.deepEqual(chooser.available(), ['a', 'c'], 'while the probe is out, no second call goes to b');
  probe.release(true);
  seen.forEach((l) => l.release(true));
  assert.equal(chooser.breaker('b').state, 'closed');
  assert.deepEqual(
    chooser.breakerTransitions().map((t) => `${t.peer}:${t.from}->${t.to}`),
    ['b:closed->open', 'b:open->half-open', 'b:half-open->closed'],
  );
});

test('with every breaker open nothing is chosen, but a pinned call still goes', () => {
  const chooser = new FewestPending(['a', 'b'], { breaker: { failureThreshold: 1, coolDownMs: 60_000 } });
  chooser.acquire('a')!.release(false);
  chooser.acquire('b')!.release(false);
  assert.equal(chooser.pick(), undefined);
  assert.equal(chooser.acquire(), undefined);
  const pinned = chooser.acquire('a')!;
  assert.equal(pinned.peer, 'a');
  pinned.release(true); // sent while open: ignored, the breaker waits for its cool-down
  assert.equal(chooser.breaker('a').state, 'open');
});

test('constructor rejects empty and duplicate peer lists; createChooser rejects unknown names', () => {
  assert.throws(() => new RoundRobin([]), /at least one peer/);
  assert.throws(() => new RoundRobin(['a', 'a']), /unique/);
  assert.throws(() => createChooser('random' as never, peers), /unknown chooser "random"/);
  assert.equal(createChooser('two-random', peers).name, 'two-random');
});
