import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from './history';
import { auditProblems, type AuditEntry, versionProblems } from './entity-traits';

let next = 0;
const op = (f: string, value: Record<string, unknown>, outcome: Op['outcome'], result?: Record<string, unknown>, error?: string, process = 'vc-1'): Op => ({
  index: next++,
  process,
  f,
  target: 'n1',
  value,
  invokeMs: next,
  completeMs: next + 1,
  outcome,
  ...(result ? { result } : {}),
  ...(error ? { error } : {}),
});
/** An acknowledged versioned set of `key` from `ifVersion` to `ifVersion + 1`. */
const set = (key: string, value: string, ifVersion: number, process = 'vc-1') =>
  op('kv::set', { key, value, ifVersion, who: process }, 'ok', { key, value, version: ifVersion + 1 }, undefined, process);
const stale = (key: string, value: string, ifVersion: number) => op('kv::set', { key, value, ifVersion }, 'fail', undefined, 'HTTP 400 failed-precondition');
const unknown = (key: string, value: string, ifVersion: number) => op('kv::set', { key, value, ifVersion }, 'info', undefined, 'timeout');
const audit = (key: string, entries: AuditEntry[]) => op('kv::audit', { key }, 'ok', { key, auditable: true, entries }, undefined, `final:${key}`);
const entry = (version: number, value: string, who = 'vc-1'): AuditEntry => ({ version, who, what: 'set', value });

const ONE = { minimumAcknowledged: 1, minimumRefused: 1 };

test('versions: each acknowledged change at the next version, stale writes refused: valid', () => {
  const ops = [set('a', 'x1', 0), stale('a', 'late', 0), set('a', 'x2', 1), unknown('a', 'maybe', 2)];
  const result = versionProblems(ops, ONE);
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.detail, { acknowledged: 2, refusedStale: 1, keys: 1 });
});

test('versions: two acknowledged writes at one version are a lost update', () => {
  const ops = [set('a', 'x1', 0, 'vc-1'), set('a', 'x2', 0, 'vc-2'), stale('a', 'late', 0)];
  const [problem, ...rest] = versionProblems(ops, ONE).problems;
  assert.match(problem!, /two acknowledged changes claimed one version \(a lost update\) \(1\): a v1 by #\d+ \(vc-1, "x1"\) and #\d+ \(vc-2, "x2"\)/);
  assert.deepEqual(rest, []);
});

test('versions: an ifVersion write acknowledged at another version; no refusal at all; too few changes', () => {
  const wrong = op('kv::set', { key: 'a', value: 'x', ifVersion: 3 }, 'ok', { key: 'a', value: 'x', version: 7 });
  const { problems } = versionProblems([wrong], { minimumAcknowledged: 2, minimumRefused: 1 });
  assert.equal(problems.length, 3);
  assert.match(problems[0]!, /with ifVersion 3 was acknowledged at version 7/);
  assert.match(problems[1]!, /only 1 changes were acknowledged \(at least 2 needed/);
  assert.match(problems[2]!, /only 0 stale writes were refused .*not put to the test/);
});

test('versions: a refusal for another reason (e.g. throttled) is not a stale refusal', () => {
  const throttled = op('kv::set', { key: 'a', value: 'x', ifVersion: 0 }, 'fail', undefined, 'HTTP 429 resource-exhausted');
  assert.match(versionProblems([set('a', 'y', 0), throttled], ONE).problems.join(), /only 0 stale writes were refused/);
});

test('audit: one entry per acknowledged change in version order, an unknown write either way: valid', () => {
  const ops = [set('a', 'x1', 0), stale('a', 'late', 0), set('a', 'x2', 1), unknown('a', 'maybe', 2), set('a', 'x4', 3)];
  const withMaybe = auditProblems([...ops, audit('a', [entry(1, 'x1'), entry(2, 'x2'), entry(3, 'maybe'), entry(4, 'x4')])], {
    keys: ['a'],
    minimumAcknowledged: 3,
  });
  assert.deepEqual(withMaybe.problems, []);
  assert.deepEqual(withMaybe.detail, { acknowledged: 3, entries: { a: 4 } });
});

test('audit: an acknowledged change missing (the log restarted at a handover) is named', () => {
  const ops = [set('a', 'x1', 0), set('a', 'x2', 1), set('a', 'x3', 2), audit('a', [entry(3, 'x3')])];
  const { problems } = auditProblems(ops, { keys: ['a'], minimumAcknowledged: 1 });
  assert.equal(problems.length, 1);
  assert.match(
    problems[0]!,
    /acknowledged changes missing from the audit log \(2\): kv::set #\d+ of a by vc-1 \("x1", v1\); kv::set #\d+ of a by vc-1 \("x2", v2\)/,
  );
});

test('audit: duplicated, misversioned, refused, invented and disordered entries are each named', () => {
  const ops = [
    set('a', 'x1', 0),
    set('a', 'x2', 1),
    stale('a', 'late', 0),
    audit('a', [entry(1, 'x1'), entry(1, 'x1'), entry(3, 'x2'), entry(4, 'late'), entry(9, 'ghost')]),
  ];
  const { problems } = auditProblems(ops, { keys: ['a'], minimumAcknowledged: 1 });
  assert.match(problems[0]!, /audited more than once \(1\): kv::set #\d+ of a by vc-1 \("x1", v1\) has 2 entries/);
  assert.match(problems[1]!, /audited at another version than acknowledged \(1\): .*\("x2", v2\) is recorded at v3/);
  assert.match(
    problems[2]!,
    /entries for changes that did not happen \(2\): a v4 \("late", by vc-1\): a change that was refused; a v9 \("ghost", by vc-1\): a change nobody attempted/,
  );
  assert.match(problems[3]!, /out of version order \(3\): a: entry 2 is v1 after v1; a: entry 3 is v3 after v1; a: entry 5 is v9 after v4/);
  assert.equal(problems.length, 4);
});

test('audit: a key with no final read, or not auditable, is a problem; so is too little traffic', () => {
  const notAuditable = op('kv::audit', { key: 'b' }, 'ok', { key: 'b', auditable: false, entries: [] }, undefined, 'final:b');
  const { problems } = auditProblems([notAuditable], { keys: ['a', 'b'], minimumAcknowledged: 1 });
  assert.deepEqual(problems, [
    "no final read of a's audit log",
    'b is not auditable in the final read',
    'only 0 changes of audited entities were acknowledged (at least 1 needed to judge)',
  ]);
});

test('audit: a delete resets the version; the set after it starts again at 1', () => {
  const del = op('kv::delete', { key: 'a' }, 'ok', { key: 'a', deleted: true });
  const ops = [
    set('a', 'x1', 0),
    del,
    set('a', 'x2', 0),
    audit('a', [entry(1, 'x1'), { version: 0, who: 'vc-1', what: 'delete', value: null }, entry(1, 'x2')]),
  ];
  assert.deepEqual(auditProblems(ops, { keys: ['a'], minimumAcknowledged: 2 }).problems, []);
});
