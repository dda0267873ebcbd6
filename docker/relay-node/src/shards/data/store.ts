// One shard's replicated state, free of I/O: the owner and its replicas apply the same ops in the
// same log order, so equal logs give equal digests (the suite compares them via /control/shards/state).
import { xxhash64 } from '../xxhash64';

/** JSON values stored in the kv register. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type ShardOp =
  | { kind: 'counter.add'; key: string; by: number }
  | { kind: 'counter.reset'; key: string }
  | { kind: 'kv.set'; key: string; value: JsonValue; ifVersion?: number }
  | { kind: 'kv.cas'; key: string; expect: JsonValue; value: JsonValue }
  | { kind: 'kv.delete'; key: string }
  | { kind: 'set.add'; key: string; element: string };

export interface OpResult {
  value?: number | JsonValue;
  version?: number;
  /** kv.cas: whether the key held `expect` (absent counts as null) and now holds `value`. */
  applied?: boolean;
  /** kv.set with a stale `ifVersion`: refused, nothing changed; `version` is the current one. */
  refused?: boolean;
  deleted?: boolean;
  added?: boolean;
}

/** The wire form of a shard's state (snapshots, installs, /control/shards/state `data`). */
export interface ShardData {
  counters: Record<string, number>;
  kv: Record<string, { value: JsonValue; version: number }>;
  sets: Record<string, string[]>;
}

export class ShardStore {
  private counters = new Map<string, number>();
  private kv = new Map<string, { value: JsonValue; version: number }>();
  private sets = new Map<string, Set<string>>();

  apply(op: ShardOp): OpResult {
    switch (op.kind) {
      case 'counter.add': {
        const value = (this.counters.get(op.key) ?? 0) + op.by;
        this.counters.set(op.key, value);
        return { value };
      }
      case 'counter.reset':
        this.counters.delete(op.key);
        return { value: 0 };
      case 'kv.set': {
        // Versions count sets of a key since it was last absent (deterministic on every copy).
        const current = this.kv.get(op.key);
        if (op.ifVersion !== undefined && op.ifVersion !== (current?.version ?? 0))
          return { refused: true, value: current?.value ?? null, version: current?.version ?? 0 };
        const version = (current?.version ?? 0) + 1;
        this.kv.set(op.key, { value: op.value, version });
        return { value: op.value, version };
      }
      case 'kv.cas': {
        // Compared and set in one step of the shard's log: every copy decides the same.
        const current = this.kv.get(op.key);
        if (canonicalJson(current?.value ?? null) !== canonicalJson(op.expect))
          return { applied: false, value: current?.value ?? null, version: current?.version ?? 0 };
        const version = (current?.version ?? 0) + 1;
        this.kv.set(op.key, { value: op.value, version });
        return { applied: true, value: op.value, version };
      }
      case 'kv.delete':
        return { deleted: this.kv.delete(op.key) };
      case 'set.add': {
        let set = this.sets.get(op.key);
        if (!set) this.sets.set(op.key, (set = new Set()));
        const added = !set.has(op.element);
        set.add(op.element);
        return { added };
      }
    }
  }

  counter(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  kvEntry(key: string): { value: JsonValue; version: number } | undefined {
    return this.kv.get(key);
  }

  kvKeys(): string[] {
    return [...this.kv.keys()].sort(ordinal);
  }

  setElements(key: string): string[] {
    return [...(this.sets.get(key) ?? [])].sort(ordinal);
  }

  setHas(key: string, element: string): boolean {
    return this.sets.get(key)?.has(element) ?? false;
  }

  /** A deep copy with every key sorted (what `digest()` hashes). */
  snapshot(): ShardData {
    const sortedEntries = <V, W>(map: Map<string, V>, f: (v: V) => W): Record<string, W> =>
      Object.fromEntries([...map.entries()].sort(([a], [b]) => ordinal(a, b)).map(([k, v]) => [k, f(v)]));
    return {
      counters: sortedEntries(this.counters, (v) => v),
      kv: sortedEntries(this.kv, (v) => ({ value: structuredClone(v.value), version: v.version })),
      sets: sortedEntries(this.sets, (v) => [...v].sort(ordinal)),
    };
  }

  install(data: ShardData): void {
    this.counters = new Map(Object.entries(data.counters));
    this.kv = new Map(Object.entries(data.kv).map(([k, v]) => [k, { value: structuredClone(v.value), version: v.version }]));
    this.sets = new Map(Object.entries(data.sets).map(([k, v]) => [k, new Set(v)]));
  }

  /** xxhash64 (hex, 16 digits) of the canonical JSON of the state. */
  digest(): string {
    return xxhash64(canonicalJson(this.snapshot())).toString(16).padStart(16, '0');
  }
}

/** JSON with object keys sorted at every level, so equal states serialise identically. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => ordinal(a, b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Checks a snapshot/install body received over the wire. */
export function isShardData(value: unknown): value is ShardData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isRecord(v.counters) || !isRecord(v.kv) || !isRecord(v.sets)) return false;
  return (
    Object.values(v.counters).every((n) => Number.isSafeInteger(n)) &&
    Object.values(v.kv).every((e) => isRecord(e) && Number.isSafeInteger(e.version) && e.value !== undefined) &&
    Object.values(v.sets).every((s) => Array.isArray(s) && s.every((x) => typeof x === 'string'))
  );
}

export function isShardOp(value: unknown): value is ShardOp {
  if (typeof value !== 'object' || value === null) return false;
  const op = value as Record<string, unknown>;
  if (typeof op.key !== 'string') return false;
  switch (op.kind) {
    case 'counter.add':
      return Number.isSafeInteger(op.by);
    case 'counter.reset':
    case 'kv.delete':
      return true;
    case 'kv.set':
      return op.value !== undefined && (op.ifVersion === undefined || (Number.isSafeInteger(op.ifVersion) && (op.ifVersion as number) >= 0));
    case 'kv.cas':
      return op.value !== undefined && op.value !== null && op.expect !== undefined;
    case 'set.add':
      return typeof op.element === 'string';
    default:
      return false;
  }
}

export function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
