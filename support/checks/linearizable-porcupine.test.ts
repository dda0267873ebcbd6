// Known answers from an established checker: porcupine's Jepsen etcd histories (fixtures/porcupine-etcd/,
// MIT, origin and licence beside them) must get porcupine's verdicts. They mix reads, writes and
// compare-and-sets, with many of unknown outcome: the case the register model must get exactly right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { Op } from './history';
import { linearizableProblems } from './linearizable';

interface KnownAnswer {
  readonly name: string;
  readonly linearizable: boolean;
  readonly log: string;
}

const FIXTURE = join(import.meta.dirname, 'fixtures/porcupine-etcd/etcd-histories.ndjson.gz');
const LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*)$/;
const num = (text: string) => (text === 'nil' ? null : Number(text));

/**
 * A Jepsen log as the suite's history: line numbers are times; `:fail :cas` is a cas that answered "not
 * applied"; a failed read never happened; `:info`, or no answer at all, is an unknown outcome.
 */
function jepsenHistory(log: string): Op[] {
  const ops: Op[] = [];
  const open = new Map<string, Op>();
  log.split('\n').forEach((line, t) => {
    const m = LINE.exec(line.trim());
    if (!m) return;
    const [, process, type, f, arg] = m as unknown as [string, string, string, 'read' | 'write' | 'cas', string];
    if (type === 'invoke') {
      const [expect, value] = f === 'cas' ? arg.replace(/[[\]]/g, '').trim().split(/\s+/).map(num) : [undefined, f === 'write' ? num(arg) : undefined];
      const op: Op = {
        index: ops.length,
        process,
        f: `kv::${f === 'read' ? 'get' : f === 'write' ? 'set' : 'cas'}`,
        target: 'etcd',
        value: { key: 'r', ...(f === 'write' ? { value } : f === 'cas' ? { expect, value } : {}) },
        invokeMs: t,
        outcome: 'info',
      };
      ops.push(op);
      open.set(process, op);
      return;
    }
    const op = open.get(process);
    if (!op) throw new Error(`line ${t + 1}: ${type} of process ${process} with nothing invoked`);
    open.delete(process);
    if (type === 'info') return; // unknown outcome: stays info
    const done = op as { -readonly [K in keyof Op]: Op[K] };
    done.completeMs = t;
    if (f === 'cas') {
      done.outcome = 'ok';
      done.result = { applied: type === 'ok' };
    } else if (type === 'fail') {
      done.outcome = 'fail';
    } else {
      done.outcome = 'ok';
      if (f === 'read') done.result = { key: 'r', value: num(arg) };
    }
  });
  return ops;
}

const answers: KnownAnswer[] = gunzipSync(readFileSync(FIXTURE))
  .toString('utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as KnownAnswer);

test('porcupine: every Jepsen etcd history gets the verdict porcupine expects (23 linearizable, 79 not)', () => {
  assert.equal(answers.length, 102);
  assert.equal(answers.filter((a) => a.linearizable).length, 23);
  const wrong: string[] = [];
  let explored = 0;
  for (const a of answers) {
    const ops = jepsenHistory(a.log);
    const r = linearizableProblems(ops, { maxExplored: 2_000_000 });
    explored += r.keys.reduce((n, k) => n + k.explored, 0);
    assert.deepEqual(r.undecided, [], `${a.name}: undecided`);
    if ((r.problems.length === 0) !== a.linearizable)
      wrong.push(`${a.name}: expected ${a.linearizable ? 'linearizable' : 'not'}, got ${r.problems.join('; ') || 'linearizable'}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(explored > 0);
});

test('a Jepsen log reads as the history it records', () => {
  const ops = jepsenHistory(
    [
      'INFO  jepsen.util - 0\t:invoke\t:cas\t[1 4]',
      'INFO  jepsen.util - 1\t:invoke\t:write\t2',
      'INFO  jepsen.util - 0\t:fail\t:cas\t[1 4]',
      'INFO  jepsen.util - 1\t:info\t:write\t:timed-out',
      'INFO  jepsen.util - 2\t:invoke\t:read\tnil',
      'INFO  jepsen.util - 2\t:ok\t:read\t2',
    ].join('\n'),
  );
  assert.deepEqual(
    ops.map((o) => [o.f, o.value, o.outcome, o.invokeMs, o.completeMs, o.result]),
    [
      ['kv::cas', { key: 'r', expect: 1, value: 4 }, 'ok', 0, 2, { applied: false }],
      ['kv::set', { key: 'r', value: 2 }, 'info', 1, undefined, undefined],
      ['kv::get', { key: 'r' }, 'ok', 4, 5, { key: 'r', value: 2 }],
    ],
  );
});
