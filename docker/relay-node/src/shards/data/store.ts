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
  /** `dedup`: the sender's idempotency key (a workflow activity's (workflow, step)); a repeat changes nothing. */
  | { kind: 'counter.add'; key: string; by: number; dedup?: string }
  | { kind: 'counter.reset'; key: string }
  | { kind: 'kv.set'; key: string; value: JsonValue; ifVersion?: number; who?: string }
  | { kind: 'kv.cas'; key: string; expect: JsonValue; value: JsonValue; who?: string }
  | { kind: 'kv.delete'; key: string; who?: string }
  | { kind: 'kv.audit'; key: string }
  | { kind: 'set.add'; key: string; element: string }
  | { kind: 'timer.schedule'; key: string; dueAt: number; payload: JsonValue; by: string }
  | { kind: 'timer.cancel'; key: string }
  | { kind: 'timer.fire'; key: string; firedAt: number; by: string; fence: number }
  | { kind: 'workflow.start'; key: string; steps: WorkflowStep[]; failAt?: number; by: string; at: number }
  | { kind: 'workflow.step'; key: string; step: number; outcome: 'done' | 'failed'; result?: JsonValue; by: string; at: number; fence: number }
  | { kind: 'workflow.retry'; key: string };

/** One step of a workflow: its activity adds `by` to counter `key` (another entity, any shard). */
export interface WorkflowStep {
  key: string;
  by: number;
  /** How long the activity works before its side effect, ms. */
  sleepMs: number;
}

/** One journal entry: a step's outcome, written once per step and attempt through the log. */
export interface JournalEntry {
  step: number;
  outcome: 'done' | 'failed';
  result?: JsonValue;
  by: string;
  at: number;
  fence: number;
}

/** A durable workflow, keyed by id: its steps, where it is, and the journal of what happened. */
export interface WorkflowRecord {
  id: string;
  steps: WorkflowStep[];
  state: 'running' | 'completed' | 'failed';
  /** The step to run next (= steps.length once completed). */
  next: number;
  /** The step whose activity fails (a test hook), until a retry clears it. */
  failAt?: number;
  startedBy: string;
  startedAt: number;
  journal: JournalEntry[];
}

/**
 * A durable timer, keyed by its id (the op's `key`). Its firing is a transition of this record in the
 * shard's log: a second firing finds it fired and is refused, on every copy alike.
 */
export interface TimerRecord {
  id: string;
  /** Wall-clock ms at which it is due (the scheduling owner's clock plus the delay). */
  dueAt: number;
  payload: JsonValue;
  state: 'scheduled' | 'fired' | 'cancelled';
  scheduledBy: string;
  /** How many times it fired: 1 once fired, never more (kept so a reader can check that). */
  firings: number;
  firedAt?: number;
  firedBy?: string;
  /** The shard fence the firing owner held. */
  firedAtFence?: number;
}

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
  /** counter.add with a `dedup` already applied: nothing changed. */
  duplicate?: boolean;
  /** workflow.*: the record after the op; `recorded`/`retried`: whether the op changed it. */
  workflow?: WorkflowRecord;
  recorded?: boolean;
  retried?: boolean;
  /** timer.*: the record after the op; `created`, `cancelled`, `fired`: whether the op changed it. */
  timer?: TimerRecord;
  created?: boolean;
  cancelled?: boolean;
  fired?: boolean;
}

/** The wire form of a shard's state (snapshots, installs, /control/shards/state `data`). */
export interface ShardData {
  counters: Record<string, number>;
  kv: Record<string, KvEntry>;
  sets: Record<string, string[]>;
  /** The audit log of every auditable entity (absent on the wire: none). */
  audits?: Record<string, AuditEntry[]>;
  /** Timer records by id (absent on the wire: none). */
  timers?: Record<string, TimerRecord>;
  /** Workflow records by id (absent on the wire: none). */
  workflows?: Record<string, WorkflowRecord>;
  /** Per counter, the idempotency keys of the adds applied to it (absent on the wire: none). */
  dedup?: Record<string, string[]>;
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
  private timers = new Map<string, TimerRecord>();
  private workflows = new Map<string, WorkflowRecord>();
  private dedup = new Map<string, Set<string>>();
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
        if (op.dedup !== undefined) {
          let seen = this.dedup.get(op.key);
          if (!seen) this.dedup.set(op.key, (seen = new Set()));
          if (seen.has(op.dedup)) return { value: this.counter(op.key), duplicate: true };
          seen.add(op.dedup);
        }
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
      case 'timer.schedule': {
        // Scheduling an id again changes nothing: a retried schedule is safe.
        const known = this.timers.get(op.key);
        if (known) return { created: false, timer: { ...known } };
        const timer: TimerRecord = { id: op.key, dueAt: op.dueAt, payload: op.payload, state: 'scheduled', scheduledBy: op.by, firings: 0 };
        this.timers.set(op.key, timer);
        return { created: true, timer: { ...timer } };
      }
      case 'timer.cancel': {
        const timer = this.timers.get(op.key);
        if (!timer || timer.state !== 'scheduled') return { cancelled: false, ...(timer ? { timer: { ...timer } } : {}) };
        timer.state = 'cancelled';
        return { cancelled: true, timer: { ...timer } };
      }
      case 'timer.fire': {
        const timer = this.timers.get(op.key);
        if (!timer || timer.state !== 'scheduled') return { fired: false, ...(timer ? { timer: { ...timer } } : {}) };
        Object.assign(timer, { state: 'fired', firings: timer.firings + 1, firedAt: op.firedAt, firedBy: op.by, firedAtFence: op.fence });
        return { fired: true, timer: { ...timer } };
      }
      case 'workflow.start': {
        const known = this.workflows.get(op.key);
        if (known) return { recorded: false, workflow: structuredClone(known) };
        const workflow: WorkflowRecord = {
          id: op.key,
          steps: structuredClone(op.steps),
          state: op.steps.length === 0 ? 'completed' : 'running',
          next: 0,
          ...(op.failAt === undefined ? {} : { failAt: op.failAt }),
          startedBy: op.by,
          startedAt: op.at,
          journal: [],
        };
        this.workflows.set(op.key, workflow);
        return { recorded: true, workflow: structuredClone(workflow) };
      }
      case 'workflow.step': {
        // One journal entry per step and attempt: a step already journaled (a replay, a deposed owner's
        // late write that still carried the fence) is refused by the record.
        const w = this.workflows.get(op.key);
        if (!w || w.state !== 'running' || op.step !== w.next) return { recorded: false, ...(w ? { workflow: structuredClone(w) } : {}) };
        const entry: JournalEntry = {
          step: op.step,
          outcome: op.outcome,
          by: op.by,
          at: op.at,
          fence: op.fence,
          ...(op.result === undefined ? {} : { result: op.result }),
        };
        w.journal.push(entry);
        if (op.outcome === 'failed') w.state = 'failed';
        else if ((w.next += 1) === w.steps.length) w.state = 'completed';
        return { recorded: true, workflow: structuredClone(w) };
      }
      case 'workflow.retry': {
        const w = this.workflows.get(op.key);
        if (!w || w.state !== 'failed') return { retried: false, ...(w ? { workflow: structuredClone(w) } : {}) };
        w.state = 'running';
        delete w.failAt;
        return { retried: true, workflow: structuredClone(w) };
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

  workflow(id: string): WorkflowRecord | undefined {
    const w = this.workflows.get(id);
    return w && structuredClone(w);
  }

  workflowRecords(): WorkflowRecord[] {
    return [...this.workflows.values()].sort((a, b) => ordinal(a.id, b.id)).map((w) => structuredClone(w));
  }

  /** Ids of the workflows still running. */
  runningWorkflows(): string[] {
    return [...this.workflows.values()].filter((w) => w.state === 'running').map((w) => w.id);
  }

  /** Every timer record, by id. */
  timerRecords(): TimerRecord[] {
    return [...this.timers.values()].sort((a, b) => ordinal(a.id, b.id)).map((t) => ({ ...t }));
  }

  /** Ids of the timers still scheduled whose due time is at or before `now`, earliest first. */
  dueTimers(now: number): string[] {
    return [...this.timers.values()]
      .filter((t) => t.state === 'scheduled' && t.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt)
      .map((t) => t.id);
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
      timers: sortedEntries(this.timers, (t) => structuredClone(t)),
      workflows: sortedEntries(this.workflows, (w) => structuredClone(w)),
      dedup: sortedEntries(this.dedup, (ids) => [...ids].sort(ordinal)),
    };
  }

  install(data: ShardData): void {
    this.counters = new Map(Object.entries(data.counters));
    this.kv = new Map(Object.entries(data.kv).map(([k, v]) => [k, { value: structuredClone(v.value), version: v.version }]));
    this.sets = new Map(Object.entries(data.sets).map(([k, v]) => [k, new Set(v)]));
    this.audits = new Map(Object.entries(data.audits ?? {}).map(([k, log]) => [k, structuredClone(log)]));
    this.timers = new Map(Object.entries(data.timers ?? {}).map(([k, t]) => [k, structuredClone(t)]));
    this.workflows = new Map(Object.entries(data.workflows ?? {}).map(([k, w]) => [k, structuredClone(w)]));
    this.dedup = new Map(Object.entries(data.dedup ?? {}).map(([k, ids]) => [k, new Set(ids)]));
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
  if (v.timers !== undefined && !(isRecord(v.timers) && Object.values(v.timers).every(isTimerRecord))) return false;
  if (v.workflows !== undefined && !(isRecord(v.workflows) && Object.values(v.workflows).every(isWorkflowRecord))) return false;
  if (v.dedup !== undefined && !(isRecord(v.dedup) && Object.values(v.dedup).every((ids) => Array.isArray(ids) && ids.every((x) => typeof x === 'string'))))
    return false;
  return (
    Object.values(v.counters).every((n) => Number.isSafeInteger(n)) &&
    Object.values(v.kv).every((e) => isRecord(e) && Number.isSafeInteger(e.version) && e.value !== undefined) &&
    Object.values(v.sets).every((s) => Array.isArray(s) && s.every((x) => typeof x === 'string'))
  );
}

function isTimerRecord(value: unknown): value is TimerRecord {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  return (
    typeof t.id === 'string' &&
    Number.isFinite(t.dueAt) &&
    ['scheduled', 'fired', 'cancelled'].includes(t.state as string) &&
    typeof t.scheduledBy === 'string' &&
    Number.isSafeInteger(t.firings) &&
    t.payload !== undefined
  );
}

export function isWorkflowStep(value: unknown): value is WorkflowStep {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return typeof s.key === 'string' && s.key !== '' && Number.isSafeInteger(s.by) && Number.isInteger(s.sleepMs) && (s.sleepMs as number) >= 0;
}

function isWorkflowRecord(value: unknown): value is WorkflowRecord {
  if (typeof value !== 'object' || value === null) return false;
  const w = value as Record<string, unknown>;
  return (
    typeof w.id === 'string' &&
    Array.isArray(w.steps) &&
    w.steps.every(isWorkflowStep) &&
    ['running', 'completed', 'failed'].includes(w.state as string) &&
    Number.isSafeInteger(w.next) &&
    Array.isArray(w.journal)
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
      return Number.isSafeInteger(op.by) && (op.dedup === undefined || typeof op.dedup === 'string');
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
    case 'timer.schedule':
      return Number.isFinite(op.dueAt) && op.payload !== undefined && typeof op.by === 'string';
    case 'timer.cancel':
      return true;
    case 'timer.fire':
      return Number.isFinite(op.firedAt) && typeof op.by === 'string' && Number.isSafeInteger(op.fence);
    case 'workflow.start':
      return (
        Array.isArray(op.steps) &&
        op.steps.every(isWorkflowStep) &&
        typeof op.by === 'string' &&
        Number.isFinite(op.at) &&
        (op.failAt === undefined || Number.isSafeInteger(op.failAt))
      );
    case 'workflow.step':
      return (
        Number.isSafeInteger(op.step) &&
        (op.outcome === 'done' || op.outcome === 'failed') &&
        typeof op.by === 'string' &&
        Number.isFinite(op.at) &&
        Number.isSafeInteger(op.fence)
      );
    case 'workflow.retry':
      return true;
    default:
      return false;
  }
}

export function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
