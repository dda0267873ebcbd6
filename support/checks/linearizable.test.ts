import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from './history';
import { linearizableProblems } from './linearizable';

let next = 0;
const mk = (f: string, value: object, invokeMs: number, completeMs: number, outcome: Op['outcome'], result?: unknown, process = 'p'): Op => ({
  index: next++,
  process,
  f,
  target: 'n',
  value,
  invokeMs,
  completeMs,
  outcome,
  result,
});
const set = (value: string, invokeMs: number, completeMs: number, outcome: Op['outcome'] = 'ok', key = 'k1') =>
  mk('kv::set', { key, value }, invokeMs, completeMs, outcome);
const del = (invokeMs: number, completeMs: number, outcome: Op['outcome'] = 'ok', key = 'k1') => mk('kv::delete', { key }, invokeMs, completeMs, outcome);
const get = (value: string | null, invokeMs: number, completeMs: number, outcome: Op['outcome'] = 'ok', key = 'k1') =>
  mk('kv::get', { key }, invokeMs, completeMs, outcome, { key, value });
/** kv::cas: `applied` true or false (with the current value when `current` is given), or outcome info. */
const cas = (expect: string | null, value: string, invokeMs: number, completeMs: number, applied: boolean | 'info', current?: string | null, key = 'k1') =>
  mk(
    'kv::cas',
    { key, expect, value },
    invokeMs,
    completeMs,
    applied === 'info' ? 'info' : 'ok',
    applied === 'info' ? undefined : { applied, ...(current === undefined ? {} : { value: current }) },
  );
const check = (ops: Op[]) => linearizableProblems(ops);
const valid = (ops: Op[]) => assert.deepEqual(check(ops).problems, []);

test('a sequential history is linearizable', () => {
  const r = check([get(null, 0, 1), set('a', 2, 3), get('a', 4, 5), set('b', 6, 7), get('b', 8, 9), del(10, 11), get(null, 12, 13)]);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.keys.map((k) => [k.key, k.ok, k.outcome, k.ops]),
    [['k1', true, 'linearizable', 7]],
  );
});

test('concurrent writes: reads may see either, in either order, but the order must stick', () => {
  valid([set('a', 0, 10), set('b', 0, 10), get('a', 1, 2), get('b', 3, 4)]);
  valid([set('a', 0, 10), set('b', 0, 10), get('b', 1, 2), get('a', 3, 4), get('a', 11, 12)]);
  valid([set('a', 0, 10), set('b', 0, 10), get(null, 1, 2), get('a', 11, 12)]);
  const r = check([set('a', 0, 10), set('b', 0, 10), get('b', 11, 12), get('a', 13, 14)]);
  assert.equal(r.keys[0]!.outcome, 'not linearizable');
  assert.equal(r.keys[0]!.failure!.op.invokeMs, 13);
});

test('a stale read after a completed write is not linearizable, and says why', () => {
  const r = check([set('a', 0, 1_000), set('b', 2_000, 3_900), get('a', 4_200, 4_300)]);
  assert.deepEqual(r.problems, ['key "k1": read at 4.20 s returned "a" but "b" was written (ok, completed 3.90 s) and nothing wrote "a" after it']);
  assert.deepEqual(r.keys[0]!.failure!.concurrent, []);
});

test('two reads disagreeing on the order of two writes: not linearizable', () => {
  // "b" was seen, then later "a", with only one write of each and "a" done before "b" began.
  const r = check([set('a', 0, 1_000), set('b', 2_000, 10_000), get('b', 3_000, 4_000), get('a', 5_000, 6_000)]);
  assert.deepEqual(r.problems, [
    'key "k1": read at 5.00 s returned "a" but a read at 3.00 s (completed 4.00 s) returned "b" and nothing wrote "a" after it; concurrent with it: write "b" (ok, 2.00–10.00 s)',
  ]);
  // Both writes concurrent with everything: each process saw a different order.
  const cross = check([
    set('a', 0, 10_000),
    set('b', 0, 10_000),
    get('b', 1_000, 2_000),
    get('a', 1_000, 2_000),
    get('a', 3_000, 4_000),
    get('b', 3_000, 4_000),
  ]);
  const k = cross.keys[0]!;
  assert.equal(k.outcome, 'not linearizable');
  assert.equal(k.failure!.op.kind, 'read');
  assert.equal(k.failure!.op.invokeMs, 3_000);
  assert.equal(k.failure!.concurrent.length, 3);
  assert.equal(k.failure!.before.length, 2);
  assert.match(
    k.problem!,
    /^key "k1": read at 3.00 s returned "[ab]", which no order of the operations before and concurrent with it allows; concurrent with it: write "a" \(ok, 0.00–10.00 s\), write "b" \(ok, 0.00–10.00 s\), read "[ab]" \(ok, 3.00–4.00 s\); just before it: read/,
  );
});

test('an info write may take effect later, even after its client gave up, or never', () => {
  valid([set('a', 0, 1), set('b', 2, 3, 'info'), get('a', 4, 5), get('b', 10, 11)]);
  valid([set('a', 0, 1), set('b', 2, 3, 'info'), get('a', 4, 5), get('a', 10, 11)]);
  valid([set('a', 0, 1), set('b', 2, 3, 'info')]);
  // but not before it was invoked
  assert.match(
    check([set('a', 0, 1), get('b', 2, 3), set('b', 4, 5, 'info')]).problems.join(),
    /returned "b" but nothing wrote "b" before it completed \(the first write of it was invoked at 0.00 s\)/,
  );
  // and once seen, it cannot un-happen
  assert.equal(check([set('a', 0, 1), set('b', 2, 3, 'info'), get('b', 4, 5), get('a', 6, 7)]).keys[0]!.ok, false);
});

test('deletes write null; a key starts absent', () => {
  valid([get(null, 0, 1), set('a', 2, 3), del(4, 5), get(null, 6, 7), set('a', 8, 9), get('a', 10, 11)]);
  assert.deepEqual(check([set('a', 0, 1_000), del(2_000, 3_000), get('a', 4_000, 5_000)]).problems, [
    'key "k1": read at 4.00 s returned "a" but "k1" was deleted (ok, completed 3.00 s) and nothing wrote "a" after it',
  ]);
  assert.deepEqual(check([set('a', 0, 1_000), get(null, 2_000, 3_000)]).problems, [
    'key "k1": read at 2.00 s returned null but "a" was written (ok, completed 1.00 s) and nothing deleted it afterwards',
  ]);
  valid([set('a', 0, 1_000), del(500, 2_500, 'info'), get(null, 2_000, 3_000), get(null, 4_000, 5_000)]);
});

test('failed ops never happened; info reads say nothing', () => {
  assert.deepEqual(check([set('z', 0, 1, 'fail'), get('z', 2, 3)]).problems, [
    'key "k1": read at 0.00 s returned "z" but nothing wrote "z" before it completed',
  ]);
  valid([set('a', 0, 1), get('zzz', 2, 3, 'info'), get('a', 4, 5, 'fail')]);
});

test('keys are independent; each reports on its own', () => {
  const r = check([set('a', 0, 1), set('x', 0, 1, 'ok', 'k2'), get('a', 2, 3), get('a', 2_000, 3_000, 'ok', 'k2')]);
  assert.deepEqual(
    r.keys.map((k) => [k.key, k.ok]),
    [
      ['k1', true],
      ['k2', false],
    ],
  );
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!, /^key "k2": read at 2.00 s returned "a" but nothing wrote "a"/);
});

test('too few acknowledged ops is a problem, not a pass', () => {
  assert.deepEqual(linearizableProblems([set('a', 0, 1), get('a', 2, 3, 'info')], { minimumAcknowledged: 2 }).problems, [
    'only 1 acknowledged kv operations (at least 2 needed for the check to mean anything)',
  ]);
});

/** A seeded PRNG, so generated histories are the same every run. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/**
 * Processes run ops one at a time against a real register: each takes effect at a random instant in
 * its interval (info: later, or never; fail: never), and reads return what was there at that instant.
 */
function registerHistory(rand: () => number, key: string, processes: number, opsPerProcess: number, values: number): Op[] {
  const planned: { op: Op; at: number; applied: boolean }[] = [];
  for (let p = 0; p < processes; p++) {
    let t = rand() * 5;
    let process = `${key}-p${p}`;
    for (let i = 0; i < opsPerProcess; i++) {
      const invokeMs = t + rand() * 3;
      const completeMs = invokeMs + 0.5 + rand() * 20;
      const r = rand();
      const outcome: Op['outcome'] = r < 0.03 ? 'fail' : r < 0.06 ? 'info' : 'ok';
      const kind = rand();
      const value = kind < 0.45 ? { key } : kind < 0.9 ? { key, value: `v${Math.floor(rand() * values)}` } : { key };
      const f = kind < 0.45 ? 'kv::get' : kind < 0.9 ? 'kv::set' : 'kv::delete';
      const op: Op = { index: 0, process, f, target: 'n', value, invokeMs, completeMs, outcome };
      const at = outcome === 'info' ? invokeMs + rand() * 100 : invokeMs + rand() * (completeMs - invokeMs);
      planned.push({ op, at, applied: outcome === 'ok' || (outcome === 'info' && rand() < 0.5) });
      if (outcome === 'info') process = `${process}'`; // a crashed client's successor
      t = completeMs;
    }
  }
  let register: string | null = null;
  for (const { op, at: _at, applied } of [...planned].sort((a, b) => a.at - b.at)) {
    if (!applied) continue;
    if (op.f === 'kv::get') Object.assign(op, { result: { key, value: register } });
    else register = op.f === 'kv::set' ? (op.value as { value: string }).value : null;
  }
  return planned.map((p) => p.op);
}

test('performance: 5 keys × 2,000 ops from 10 concurrent processes each check valid in under 2 s', () => {
  const rand = prng(42);
  const ops = ['k1', 'k2', 'k3', 'k4', 'k5'].flatMap((key) => registerHistory(rand, key, 10, 200, 5)).map((o, index) => ({ ...o, index }));
  const started = performance.now();
  const r = linearizableProblems(ops);
  const elapsed = performance.now() - started;
  assert.deepEqual(r.problems, []);
  assert.equal(r.keys.length, 5);
  assert.ok(
    r.keys.every((k) => k.ops > 1_800),
    `ops per key: ${r.keys.map((k) => k.ops).join(', ')}`,
  );
  assert.ok(elapsed < 2_000, `took ${elapsed.toFixed(0)} ms`);
});

test('a corrupted read in a large generated history is found and pinned to that read', () => {
  const ops = registerHistory(prng(7), 'k1', 10, 200, 5).map((o, index) => ({ ...o, index }));
  const victim = ops.filter((o) => o.f === 'kv::get' && o.outcome === 'ok')[600]!;
  Object.assign(victim, { result: { key: 'k1', value: 'never-written' } });
  const k = linearizableProblems(ops).keys[0]!;
  assert.equal(k.outcome, 'not linearizable');
  assert.equal(k.failure!.op.index, victim.index);
  assert.match(k.problem!, /returned "never-written" but nothing wrote "never-written" before it completed/);
});

test('a budget too small for the search gives "search too large": undecided, neither a pass nor a problem', () => {
  const ops = registerHistory(prng(3), 'k1', 10, 100, 5).map((o, index) => ({ ...o, index }));
  const r = linearizableProblems(ops, { maxExplored: 50 });
  assert.equal(r.keys[0]!.outcome, 'unknown');
  assert.equal(r.keys[0]!.ok, false);
  assert.deepEqual(r.problems, []);
  assert.match(
    r.undecided.join(),
    /key "k1": search too large: gave up after exploring 51 configurations of \d+ operations \(budget 50\); linearizability unknown/,
  );
});

/** The definition itself, by brute force: some order respecting real time and the register. */
function bruteForce(ops: readonly Op[]): boolean {
  const live = ops.filter((o) => o.outcome !== 'fail' && !(o.outcome === 'info' && o.f === 'kv::get'));
  const end = (o: Op) => (o.outcome === 'ok' ? o.completeMs! : Infinity);
  const go = (done: Set<Op>, state: string | null): boolean => {
    const pending = live.filter((o) => !done.has(o));
    if (pending.every((o) => o.outcome !== 'ok')) return true;
    const horizon = Math.min(...pending.map(end));
    return pending.some((o) => {
      if (o.invokeMs > horizon) return false;
      if (o.f === 'kv::cas') {
        const { expect, value } = o.value as { expect: string | null; value: string };
        const result = o.result as { applied: boolean; value?: string | null } | undefined;
        // Unknown outcome: applied here (where the register held expect), or never (not linearizing it).
        if (o.outcome === 'info' || result!.applied) return expect === state && go(new Set([...done, o]), value);
        if (result && 'value' in result && result.value !== state) return false;
        return expect !== state && go(new Set([...done, o]), state);
      }
      const v = o.f === 'kv::get' ? (o.result as { value: string | null }).value : o.f === 'kv::set' ? (o.value as { value: string }).value : null;
      if (o.f === 'kv::get' && v !== state) return false;
      return go(new Set([...done, o]), v);
    });
  };
  return go(new Set(), null);
}

test('names the read that ends the shortest non-linearizable prefix, as brute force finds it', () => {
  const rand = prng(99);
  let checked = 0;
  for (let n = 0; n < 1_000; n++) {
    // Distinct times, so "before" is never a tie.
    const ops = Array.from({ length: 3 + Math.floor(rand() * 8) }, () => {
      const invokeMs = rand() * 10;
      const completeMs = invokeMs + rand() * 4;
      const outcome: Op['outcome'] = rand() < 0.15 ? 'info' : 'ok';
      const value = ['a', 'b', 'c'][Math.floor(rand() * 3)]!;
      const k = rand();
      return k < 0.5 ? get(value, invokeMs, completeMs, outcome) : k < 0.9 ? set(value, invokeMs, completeMs, outcome) : del(invokeMs, completeMs, outcome);
    });
    const verdict = linearizableProblems(ops).keys[0]!;
    if (verdict.ok) continue;
    // The prefix through x's return: ok ops still running then may or may not have happened.
    const through = (x: Op) =>
      ops
        .filter((o) => o.invokeMs <= x.completeMs! && !(o.f === 'kv::get' && o.completeMs! > x.completeMs!))
        .map((o) => (o.outcome === 'ok' && o.completeMs! > x.completeMs! ? { ...o, outcome: 'info' as const } : o));
    const shortest = ops
      .filter((o) => o.outcome === 'ok')
      .sort((a, b) => a.completeMs! - b.completeMs!)
      .find((x) => !bruteForce(through(x)));
    assert.equal(verdict.failure!.op.index, shortest?.index);
    checked++;
  }
  assert.ok(checked > 200, `only ${checked} invalid histories`);
});

/**
 * 3,000 random histories of 2–7 ops at integer times, each op drawn by `draw` (given its times and
 * outcome): the checker's verdict must be brute force's on every one, and the sample must hold both.
 */
function agreesWithBruteForce(
  seed: number,
  draw: (rand: () => number, invokeMs: number, completeMs: number, outcome: Op['outcome']) => Op | undefined,
): Op[][] {
  const rand = prng(seed);
  let invalid = 0;
  const histories: Op[][] = [];
  for (let n = 0; n < 3_000; n++) {
    const ops: Op[] = [];
    const count = 2 + Math.floor(rand() * 6);
    for (let i = 0; i < count; i++) {
      const invokeMs = Math.floor(rand() * 10);
      const completeMs = invokeMs + Math.floor(rand() * 5);
      const r = rand();
      const op = draw(rand, invokeMs, completeMs, r < 0.1 ? 'fail' : r < 0.25 ? 'info' : 'ok');
      if (op) ops.push(op);
    }
    const expected = bruteForce(ops);
    if (!expected) invalid++;
    const r = linearizableProblems(ops);
    assert.equal(r.problems.length === 0, expected, JSON.stringify(ops.map((o) => [o.f, o.value, o.result, o.invokeMs, o.completeMs, o.outcome])));
    histories.push(ops);
  }
  assert.ok(invalid > 300 && invalid < 2_700, `${invalid} of 3000 invalid: the sample should hold both kinds`);
  return histories;
}

test('agrees with brute force on 3,000 small random histories, valid and not', () => {
  agreesWithBruteForce(1234, (rand, invokeMs, completeMs, outcome) => {
    const k = rand();
    const value = ['a', 'b', 'c'][Math.floor(rand() * 3)]!;
    return k < 0.5
      ? get(rand() < 0.2 ? null : value, invokeMs, completeMs, outcome)
      : k < 0.9
        ? set(value, invokeMs, completeMs, outcome)
        : del(invokeMs, completeMs, outcome);
  });
});

test('cas applies only where the register holds what it expects; not applied, only where it does not', () => {
  valid([set('1', 0, 1), cas('1', '2', 2, 3, true), get('2', 4, 5)]);
  valid([cas(null, '1', 0, 1, true), get('1', 2, 3)]);
  const applied = check([set('1', 0, 1), cas('5', '2', 2, 3, true), get('2', 4, 5)]);
  assert.equal(applied.problems.length, 1);
  assert.match(applied.problems[0]!, /key "k1": cas "5" → "2" \(ok, 0.00–0.00 s\)|key "k1": read at 0.00 s returned "2"/);
  // "Not applied" while the register held the expected value, and nothing else wrote: impossible.
  assert.equal(check([set('1', 0, 1), cas('1', '2', 2, 3, false)]).problems.length, 1);
  // A write that may have landed first explains it.
  valid([set('1', 0, 1), set('3', 2, 5), cas('1', '2', 3, 4, false)]);
  // Not applied, naming the current value: a read of it.
  valid([set('1', 0, 1), cas('5', '2', 2, 3, false, '1')]);
  assert.equal(check([set('1', 0, 1), cas('5', '2', 2, 3, false, '3')]).problems.length, 1);
  assert.match(check([set('1', 0, 1), cas('1', '2', 2, 3, false, '1')]).problems.join(), /was not applied, yet answered the expected value "1" as current/);
  assert.match(check([mk('kv::cas', { key: 'k1', expect: '1', value: '2' }, 0, 1, 'ok', {})]).problems.join(), /completed without saying whether it applied/);
});

test('a cas of unknown outcome may apply, but only to the value it expects: it is not a write', () => {
  // It applied: the read of its value is explained.
  valid([set('1', 0, 1), cas('1', '7', 2, 2, 'info'), get('7', 3, 4)]);
  // It cannot have applied (the register held 1, not 5), so nothing wrote 7: invalid. Modelled as a
  // write of 7, the history would pass; this is the case that let known-bad histories through.
  const r = check([set('1', 0, 1), cas('5', '7', 2, 2, 'info'), get('7', 3, 4)]);
  assert.equal(r.problems.length, 1);
  assert.equal(r.keys[0]!.outcome, 'not linearizable');
  // Or never applied at all: the read of the old value stays fine.
  valid([set('1', 0, 1), cas('1', '7', 2, 2, 'info'), get('1', 3, 4)]);
  // Two unknown cas in a chain: 1 → 2 → 3 needs both, in that order.
  valid([set('1', 0, 1), cas('2', '3', 2, 2, 'info'), cas('1', '2', 2.5, 2.5, 'info'), get('3', 5, 6)]);
  assert.equal(check([set('1', 0, 1), cas('2', '3', 2, 2, 'info'), get('3', 5, 6)]).problems.length, 1);
});

test('agrees with brute force on 3,000 small random histories with cas, valid and not', () => {
  const pick = (rand: () => number) => ['a', 'b', 'c'][Math.floor(rand() * 3)]!;
  const histories = agreesWithBruteForce(4321, (rand, invokeMs, completeMs, outcome) => {
    const k = rand();
    const value = pick(rand);
    if (k < 0.35) return get(rand() < 0.2 ? null : value, invokeMs, completeMs, outcome);
    if (k < 0.6) return set(value, invokeMs, completeMs, outcome);
    if (k < 0.65) return del(invokeMs, completeMs, outcome);
    const expect = rand() < 0.2 ? null : pick(rand);
    const answer = outcome === 'fail' ? false : outcome === 'info' ? 'info' : rand() < 0.5;
    const current = answer === false && rand() < 0.3 ? (rand() < 0.2 ? null : pick(rand)) : undefined;
    if (current !== undefined && current === expect) return undefined; // a self-contradicting answer is a problem of its own
    const op = cas(expect, value, invokeMs, completeMs, answer, current);
    return outcome === 'fail' ? { ...op, outcome: 'fail' } : op;
  });
  const withCas = histories.filter((ops) => ops.some((o) => o.f === 'kv::cas')).length;
  assert.ok(withCas > 2_000, `${withCas} of 3000 with a cas`);
});
