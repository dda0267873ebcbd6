// The cluster-wide sequence: pure parts (keys, the fenced transaction, reading its outcome).
//
// Serving one number is one etcd transaction:
//   compare  /omnirelay/leases/global-control  create_revision == <holder's fence token>
//            /omnirelay/sequence/<name>        mod_revision    == <what was read> (0 = absent)
//   success  put /omnirelay/sequence/<name> = value + 1
//   failure  range both keys (to tell "deposed" from "someone else moved the sequence")
// so a deposed leader can neither hand out nor persist a number, and a number is handed out only
// once it is persisted.
import type { KeyValue, TxnOpResult } from '../leadership/etcd-client';
import { decodeStored } from '../leadership/lease-store';
import { GLOBAL_SCOPE, leaseKey } from '../leadership/scopes';

export const SEQUENCE_PREFIX = '/omnirelay/sequence/';
export const DEFAULT_SEQUENCE = 'default';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function sequenceKey(name: string): string {
  return `${SEQUENCE_PREFIX}${name}`;
}

/** The sequence name from a request body (`{"name": "..."}`, default `default`); throws on a bad one. */
export function sequenceName(body: Record<string, unknown>): string {
  const name = body.name ?? DEFAULT_SEQUENCE;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new Error('`name` must be 1-64 characters [A-Za-z0-9._-], starting with a letter or digit');
  }
  return name;
}

/** A sequence as read from etcd: its value and the key's mod_revision (0 when absent). */
export interface SequenceRead {
  value: number;
  modRevision: number;
}

export function decodeSequence(kv: KeyValue | undefined): SequenceRead {
  if (!kv) return { value: 0, modRevision: 0 };
  const value = Number.parseInt(kv.value, 10);
  return { value: Number.isSafeInteger(value) ? value : 0, modRevision: kv.modRevision };
}

export function buildSequenceTxn(name: string, fenceToken: number, read: SequenceRead) {
  return {
    compare: [
      { key: leaseKey(GLOBAL_SCOPE), target: 'CREATE' as const, result: 'EQUAL' as const, value: fenceToken },
      { key: sequenceKey(name), target: 'MOD' as const, result: 'EQUAL' as const, value: read.modRevision },
    ],
    success: [{ put: { key: sequenceKey(name), value: String(read.value + 1) } }],
    failure: [{ range: { key: leaseKey(GLOBAL_SCOPE) } }, { range: { key: sequenceKey(name) } }],
  };
}

export type SequenceFailure = { kind: 'deposed'; holder: string | undefined } | { kind: 'contended'; current: SequenceRead };

/** Why the fenced transaction failed, from its failure-branch reads. */
export function classifySequenceFailure(fenceToken: number, responses: readonly TxnOpResult[]): SequenceFailure {
  const leaseKv = rangeKv(responses[0]);
  if (!leaseKv || leaseKv.createRevision !== fenceToken) {
    return { kind: 'deposed', holder: leaseKv ? decodeStored(GLOBAL_SCOPE, leaseKv).leaderId : undefined };
  }
  return { kind: 'contended', current: decodeSequence(rangeKv(responses[1])) };
}

function rangeKv(result: TxnOpResult | undefined): KeyValue | undefined {
  return result && result.kind === 'range' ? result.kvs[0] : undefined;
}
