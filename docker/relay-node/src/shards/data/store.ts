// One shard's replicated state, free of I/O: the owner and its replicas apply the same ops in the
// same log order, so equal logs give equal digests (the suite compares them via /control/shards/state).
// Key-value entities carry traits: every one is versioned (a version per change since it was last
// absent), and one made auditable keeps an audit entry per change, in the same log. They can be evicted
// from memory into a cold store and come back, with version and audit, when next touched.
import { xxhash64 } from '../xxhash64';
import { type ColdStore, MemoryColdStore } from './cold-store';

/** JSON values stored in the kv register. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** `who`: the caller a change is audited under (the body's `who`, else Rpc-Caller). */
export type ShardOp =
  | { kind: 'counter.add'; key: string; by: number }
  | { kind: 'counter.reset'; key: string }
  | { kind: 'kv.set'; key: string; value: JsonValue; ifVersion?: number; who?: string }
  | { kind: 'kv.cas'; key: string; expect: JsonValue; value: JsonValue; who?: string }
  | { kind: 'kv.delete'; key: string; who?: string }
  | { kind: 'kv.audit'; key: string }
  | { kind: 'set.add'; key: string; element: string };

/** One acknowledged change of an auditable entity. */
export interface AuditEntry {
  /** The entity's version after the change (0: deleted). */
  version: number;
  who: string;
  what: 'set' | 'cas' | 'delete';
  /** The value written; null for a delete. */
  value: JsonValue | null;
}

type KvEntry = { value: JsonValue; version: number };

export interface OpResult {
  value?: number | JsonValue;
  version?: number;
  /** kv.cas: whether the key held `expect` (absent counts as null) and now holds `value`. */
  applied?: boolean;
  /** kv.set with a stale `ifVersion`: refused, nothing changed; `version` is the current one. */
  refused?: boolean;
  deleted?: boolean;
  added?: boolean;
  /** kv.audit: whether the entity was not auditable before. */
  enabled?: boolean;
}

/** The wire form of a shard's state (snapshots, installs, /control/shards/state `data`). */
export interface ShardData {
  counters: Record<string, number>;
  kv: Record<string, KvEntry>;
  sets: Record<string, string[]>;
  /** The audit log of every auditable entity (absent on the wire: none). */
  audits?: Record<string, AuditEntry[]>;
}

export interface ShardStoreOptions {
  /** Where evicted entities go (default: a map in memory). */
  cold?: ColdStore;
  /** Key-value entities kept in memory; the least recently used beyond it are evicted (default: all). */
  maxResident?: number;
}

/** An entity as the cold store holds it. */
interface ColdEntity {
  entry?: KvEntry;
  audit?: AuditEntry[];
}

export class ShardStore {
  private counters = new Map<string, number>();
  private kv = new Map<string, KvEntry>();
  private audits = new Map<string, AuditEntry[]>();
  private sets = new Map<string, Set<string>>();
  private readonly cold: ColdStore;
  private readonly maxResident: number;
  /** Key-value entities in memory, least recently used first. */
  private resident = new Set<string>();
  /** Entities loaded back from the cold store, and put there, since the process started. */
  reloads = 0;
  evictions = 0;

  constructor(options: ShardStoreOptions = {}) {
    this.cold = options.cold ?? new MemoryColdStore();
    this.maxResident = options.maxResident ?? Infinity;
  }

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
        const current = this.kvEntry(op.key);
        if (op.ifVersion !== undefined && op.ifVersion !== (current?.version ?? 0))
          return { refused: true, value: current?.value ?? null, version: current?.version ?? 0 };
        return this.change(op.key, 'set', op.value, op.who);
      }
      case 'kv.cas': {
        // Compared and set in one step of the shard's log: every copy decides the same.
        const current = this.kvEntry(op.key);
        if (!holds(current, op.expect)) return { applied: false, value: current?.value ?? null, version: current?.version ?? 0 };
        return { applied: true, ...this.change(op.key, 'cas', op.value, op.who) };
      }
      case 'kv.delete': {
        const deleted = this.kvEntry(op.key) !== undefined;
        if (deleted) this.change(op.key, 'delete', null, op.who);
        return { deleted };
      }
      case 'kv.audit': {
        this.warm(op.key);
        const enabled = !this.audits.has(op.key);
        if (enabled) this.audits.set(op.key, []);
        this.touch(op.key);
        return { enabled };
      }
      case 'set.add': {
        let set = this.sets.get(op.key);
        if (!set) this.sets.set(op.key, (set = new Set()));
        const added = !set.has(op.element);
        set.add(op.element);
        return { added };
      }
    }
  }

  /** Sets (value) or deletes (null) an entity's value, with its next version and audit entry. */
  private change(key: string, what: AuditEntry['what'], value: JsonValue | null, who = 'anonymous'): { value: JsonValue | null; version: number } {
    const version = value === null ? 0 : (this.kv.get(key)?.version ?? 0) + 1;
    if (value === null) this.kv.delete(key);
    else this.kv.set(key, { value, version });
    this.audits.get(key)?.push({ version, who, what, value });
    this.touch(key);
    return { value, version };
  }

  counter(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  kvEntry(key: string): KvEntry | undefined {
    this.warm(key);
    return this.kv.get(key);
  }

  /** The audit log of an auditable entity (undefined: it is not auditable). */
  auditLog(key: string): readonly AuditEntry[] | undefined {
    this.warm(key);
    return this.audits.get(key);
  }

  kvKeys(): string[] {
    return [...new Set([...this.kv.keys(), ...this.cold.keys()])].sort(ordinal);
  }

  /** Moves every key-value entity (value, version, audit log) to the cold store; how many went. */
  evict(keys: Iterable<string> = [...this.resident]): number {
    let evicted = 0;
    for (const key of keys) {
      const entity: ColdEntity = { entry: this.kv.get(key), audit: this.audits.get(key) };
      this.resident.delete(key);
      if (entity.entry === undefined && entity.audit === undefined) continue;
      this.cold.put(key, JSON.stringify(entity));
      this.kv.delete(key);
      this.audits.delete(key);
      evicted += 1;
    }
    this.evictions += evicted;
    return evicted;
  }

  /** Key-value entities in memory now. */
  get residentCount(): number {
    return this.resident.size;
  }

  /** Key-value entities in the cold store now. */
  get evictedCount(): number {
    return this.cold.size;
  }

  /** Brings an evicted entity back into memory (a no-op for one already there). */
  private warm(key: string): void {
    const text = this.cold.take(key);
    if (text === undefined) return;
    const entity = JSON.parse(text) as ColdEntity;
    if (entity.entry) this.kv.set(key, entity.entry);
    if (entity.audit) this.audits.set(key, entity.audit);
    this.reloads += 1;
    this.touch(key);
  }

  /** Marks an entity most recently used; evicts the least recently used beyond `maxResident`. */
  private touch(key: string): void {
    this.resident.delete(key);
    if (this.kv.has(key) || this.audits.has(key)) this.resident.add(key);
    if (this.resident.size <= this.maxResident) return;
    const oldest: string[] = [];
    for (const k of this.resident) {
      if (oldest.length >= this.resident.size - this.maxResident) break;
      oldest.push(k);
    }
    this.evict(oldest);
  }

  setElements(key: string): string[] {
    return [...(this.sets.get(key) ?? [])].sort(ordinal);
  }

  setHas(key: string, element: string): boolean {
    return this.sets.get(key)?.has(element) ?? false;
  }

  /** A deep copy with every key sorted, evicted entities included and left evicted (what `digest()` hashes). */
  snapshot(): ShardData {
    const sortedEntries = <V, W>(map: Map<string, V>, f: (v: V) => W): Record<string, W> =>
      Object.fromEntries([...map.entries()].sort(([a], [b]) => ordinal(a, b)).map(([k, v]) => [k, f(v)]));
    const kv = new Map(this.kv);
    const audits = new Map(this.audits);
    for (const key of this.cold.keys()) {
      const entity = JSON.parse(this.cold.peek(key)!) as ColdEntity;
      if (entity.entry) kv.set(key, entity.entry);
      if (entity.audit) audits.set(key, entity.audit);
    }
    return {
      counters: sortedEntries(this.counters, (v) => v),
      kv: sortedEntries(kv, (v) => ({ value: structuredClone(v.value), version: v.version })),
      sets: sortedEntries(this.sets, (v) => [...v].sort(ordinal)),
      audits: sortedEntries(audits, (log) => structuredClone(log)),
    };
  }

  install(data: ShardData): void {
    this.counters = new Map(Object.entries(data.counters));
    this.kv = new Map(Object.entries(data.kv).map(([k, v]) => [k, { value: structuredClone(v.value), version: v.version }]));
    this.sets = new Map(Object.entries(data.sets).map(([k, v]) => [k, new Set(v)]));
    this.audits = new Map(Object.entries(data.audits ?? {}).map(([k, log]) => [k, structuredClone(log)]));
    this.cold.clear();
    this.resident = new Set();
    for (const key of [...this.kv.keys(), ...this.audits.keys()]) this.touch(key);
  }

  /** xxhash64 (hex, 16 digits) of the canonical JSON of the state. */
  digest(): string {
    return xxhash64(canonicalJson(this.snapshot())).toString(16).padStart(16, '0');
  }
}

/** Whether an entity holds `expect` (null: it is absent), compared as canonical JSON (key order aside). */
export function holds(entry: { value: JsonValue } | undefined, expect: JsonValue): boolean {
  return canonicalJson(entry?.value ?? null) === canonicalJson(expect);
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
  if (v.audits !== undefined && !(isRecord(v.audits) && Object.values(v.audits).every((log) => Array.isArray(log) && log.every(isAuditEntry)))) return false;
  return (
    Object.values(v.counters).every((n) => Number.isSafeInteger(n)) &&
    Object.values(v.kv).every((e) => isRecord(e) && Number.isSafeInteger(e.version) && e.value !== undefined) &&
    Object.values(v.sets).every((s) => Array.isArray(s) && s.every((x) => typeof x === 'string'))
  );
}

function isAuditEntry(value: unknown): value is AuditEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return Number.isSafeInteger(e.version) && typeof e.who === 'string' && ['set', 'cas', 'delete'].includes(e.what as string) && e.value !== undefined;
}

export function isShardOp(value: unknown): value is ShardOp {
  if (typeof value !== 'object' || value === null) return false;
  const op = value as Record<string, unknown>;
  if (typeof op.key !== 'string') return false;
  if (op.who !== undefined && typeof op.who !== 'string') return false;
  switch (op.kind) {
    case 'counter.add':
      return Number.isSafeInteger(op.by);
    case 'counter.reset':
    case 'kv.delete':
    case 'kv.audit':
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
