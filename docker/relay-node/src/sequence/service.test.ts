// SequenceService against an in-memory etcd (the fenced transaction's compares evaluated as etcd
// would): numbers continue across a failover, and the seeded defects that make them repeat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type DefectName } from '../defects';
import type { Compare, EtcdClient, KeyValue, RangeResult, TxnOp, TxnOpResult, TxnResult } from '../leadership/etcd-client';
import type { LeadershipService } from '../leadership/leadership';
import type { HeldLease } from '../leadership/lease-store';
import { GLOBAL_SCOPE, leaseKey } from '../leadership/scopes';
import { createLogger } from '../log';
import { SequenceService } from './service';

/** The few etcd semantics the sequence uses: revisions, create/mod revisions, compares, range and put. */
class MemoryEtcd {
  private revision = 1;
  readonly kvs = new Map<string, KeyValue>();

  put(key: string, value: string): KeyValue {
    this.revision += 1;
    const old = this.kvs.get(key);
    const kv = { key, value, createRevision: old?.createRevision ?? this.revision, modRevision: this.revision, version: (old?.version ?? 0) + 1, lease: '0' };
    this.kvs.set(key, kv);
    return kv;
  }

  delete(key: string): void {
    this.revision += 1;
    this.kvs.delete(key);
  }

  async range(key: string): Promise<RangeResult> {
    const kv = this.kvs.get(key);
    return { kvs: kv ? [kv] : [], revision: this.revision };
  }

  async txn(request: { compare: readonly Compare[]; success: readonly TxnOp[]; failure?: readonly TxnOp[] }): Promise<TxnResult> {
    const field = { CREATE: 'createRevision', MOD: 'modRevision', VERSION: 'version' } as const;
    const holds = (c: Compare): boolean => {
      const actual = this.kvs.get(c.key)?.[field[c.target]] ?? 0;
      return c.result === 'EQUAL'
        ? actual === c.value
        : c.result === 'NOT_EQUAL'
          ? actual !== c.value
          : c.result === 'GREATER'
            ? actual > c.value
            : actual < c.value;
    };
    const succeeded = request.compare.every(holds);
    const responses: TxnOpResult[] = [];
    for (const op of succeeded ? request.success : (request.failure ?? [])) {
      if ('put' in op) {
        this.put(op.put.key, op.put.value);
        responses.push({ kind: 'put' });
      } else if ('range' in op) {
        const kv = this.kvs.get(op.range.key);
        responses.push({ kind: 'range', kvs: kv ? [kv] : [] });
      } else {
        this.delete(op.delete.key);
        responses.push({ kind: 'delete', deleted: 1 });
      }
    }
    return { succeeded, revision: this.revision, responses };
  }
}

/** A node that holds global-control at the fence etcd gave its lease key (tests move the key by hand). */
function leader(nodeId: string, etcd: MemoryEtcd): LeadershipService {
  const kv = etcd.put(leaseKey(GLOBAL_SCOPE), JSON.stringify({ leaderId: nodeId, term: 1, issuedAt: new Date().toISOString() }));
  const lease = { scope: GLOBAL_SCOPE, leaderId: nodeId, term: 1, fenceToken: kv.createRevision, expiresAtMs: Date.now() + 60_000 } as HeldLease;
  let held: HeldLease | undefined = lease;
  return { nodeId, holds: () => held, deposed: () => (held = undefined) } as unknown as LeadershipService;
}

const quiet = createLogger({}, 'error', () => undefined);

async function draw(service: SequenceService, n: number): Promise<number[]> {
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push((await service.next('default')).value);
  return values;
}

/** Three numbers from a first leader, then its lease key is gone and a second leader draws three more. */
async function failover(defects: DefectName[]): Promise<{ before: number[]; after: number[] }> {
  const etcd = new MemoryEtcd();
  const set = new Set(defects);
  const first = new SequenceService(etcd as unknown as EtcdClient, leader('ring-1', etcd), quiet, set);
  const before = await draw(first, 3);
  etcd.delete(leaseKey(GLOBAL_SCOPE)); // ring-1 crashed; its lease ran out
  const second = new SequenceService(etcd as unknown as EtcdClient, leader('ring-2', etcd), quiet, set);
  return { before, after: await draw(second, 3) };
}

test('a new global leader continues the sequence where the old one left off', async () => {
  assert.deepEqual(await failover([]), { before: [1, 2, 3], after: [4, 5, 6] });
});

test('seeded defect sequence-cached: the new leader repeats every number the old one handed out', async () => {
  assert.deepEqual(await failover(['sequence-cached']), { before: [1, 2, 3], after: [1, 2, 3] });
});

test("seeded defect sequence-resume-repeats-last: each leader's first number repeats the last one persisted", async () => {
  const { before, after } = await failover(['sequence-resume-repeats-last']);
  // Bootstrap hands out 0 (nothing stored yet) and skips 1; after the failover 3 comes again and 4 is skipped.
  assert.deepEqual(before, [0, 2, 3]);
  assert.deepEqual(after, [3, 5, 6]);
  assert.deepEqual(
    [...before, ...after].filter((v, i, all) => all.indexOf(v) !== i),
    [3],
  );
});
