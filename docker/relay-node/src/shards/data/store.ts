// One shard's replicated state, free of I/O: the owner and its replicas apply the same ops in the
// same log order, so equal logs give equal digests (the suite compares them via /control/shards/state).
// Key-value entities carry traits: every one is versioned (a version per change since it was last
// absent), and one made auditable keeps an audit entry per change, in the same log. They can be evicted
// from memory into a cold store and come back, with version and audit, when next touched. Timers,
// workflows, inboxes and singleton tasks are records of the same log whose transitions the store refuses
// when they would happen twice (a second firing, a journal entry for a step already done).
import { xxhash64 } from '../xxhash64';
import { type ColdStore, MemoryColdStore } from './cold-store';
import type {
  AuditEntry,
  InboxMessage,
  JournalEntry,
  JsonValue,
  KvEntry,
  OpResult,
  ShardData,
  ShardOp,
  SingletonRecord,
  TimerRecord,
  WorkflowRecord,
} from './shard-records';

export * from './shard-records';

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
  private inboxes = new Map<string, InboxMessage[]>();
  private singletons = new Map<string, SingletonRecord>();
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
      case 'mailbox.receive': {
        let inbox = this.inboxes.get(op.key);
        if (!inbox) this.inboxes.set(op.key, (inbox = []));
        if (inbox.some((m) => m.msgId === op.msgId)) return { duplicate: true };
        inbox.push({ msgId: op.msgId, from: op.from, message: op.message, at: op.at });
        return { duplicate: false };
      }
      case 'singleton.acquire': {
        // A tenure only at a newer fence than the last one: fences order the tenures.
        let record = this.singletons.get(op.key);
        if (!record) this.singletons.set(op.key, (record = { key: op.key, history: [], heartbeats: 0 }));
        const last = record.history.at(-1);
        if (last && op.fence <= last.fence) return { acquired: last.runner === op.runner && last.fence === op.fence };
        if (last && last.until === undefined) last.until = op.at;
        record.history.push({ runner: op.runner, fence: op.fence, since: op.at, beats: 0 });
        return { acquired: true };
      }
      case 'singleton.beat': {
        // Counted only from the current holder at its fence.
        const last = this.singletons.get(op.key)?.history.at(-1);
        if (!last || last.runner !== op.runner || last.fence !== op.fence) return { beat: false };
        last.beats += 1;
        this.singletons.get(op.key)!.heartbeats += 1;
        return { beat: true };
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

  singleton(key: string): SingletonRecord | undefined {
    const record = this.singletons.get(key);
    return record && structuredClone(record);
  }

  inbox(key: string): InboxMessage[] {
    return structuredClone(this.inboxes.get(key) ?? []);
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
      inboxes: sortedEntries(this.inboxes, (messages) => structuredClone(messages)),
      singletons: sortedEntries(this.singletons, (record) => structuredClone(record)),
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
    this.inboxes = new Map(Object.entries(data.inboxes ?? {}).map(([k, messages]) => [k, structuredClone(messages)]));
    this.singletons = new Map(Object.entries(data.singletons ?? {}).map(([k, record]) => [k, structuredClone(record)]));
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

export function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
