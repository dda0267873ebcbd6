// The records of a shard's replicated state and the ops of its log, as they travel between nodes, and
// the checks a node applies to what it receives (snapshots, installs, replication entries). The store
// (store.ts) applies the ops; this module only describes them.
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
  | { kind: 'workflow.retry'; key: string }
  | { kind: 'mailbox.receive'; key: string; msgId: string; from: string; message: JsonValue; at: number }
  | { kind: 'singleton.acquire'; key: string; runner: string; fence: number; at: number }
  | { kind: 'singleton.beat'; key: string; runner: string; fence: number; at: number };

/** One runner's time holding a singleton task: granted by a log entry at the shard fence it owned. */
export interface Tenure {
  runner: string;
  fence: number;
  since: number;
  /** Set when the next tenure began (the runner's own clock cannot say when it stopped). */
  until?: number;
  beats: number;
}

/** A cluster singleton task: who runs it, its leader history, and its heartbeats. */
export interface SingletonRecord {
  key: string;
  history: Tenure[];
  heartbeats: number;
}

/** A message an entity received from another (entity::send_to), kept once per message id. */
export interface InboxMessage {
  msgId: string;
  from: string;
  message: JsonValue;
  at: number;
}

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

export type KvEntry = { value: JsonValue; version: number };

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
  /** counter.add with a `dedup` already applied, mailbox.receive of a known message: nothing changed. */
  duplicate?: boolean;
  /** singleton.*: whether the tenure was granted / the beat counted. */
  acquired?: boolean;
  beat?: boolean;
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
  /** Per entity, the messages it received (absent on the wire: none). */
  inboxes?: Record<string, InboxMessage[]>;
  /** Singleton task records by key (absent on the wire: none). */
  singletons?: Record<string, SingletonRecord>;
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
  if (v.singletons !== undefined && !(isRecord(v.singletons) && Object.values(v.singletons).every((r) => isRecord(r) && Array.isArray(r.history))))
    return false;
  if (v.inboxes !== undefined && !(isRecord(v.inboxes) && Object.values(v.inboxes).every((box) => Array.isArray(box)))) return false;
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
    case 'singleton.acquire':
    case 'singleton.beat':
      return typeof op.runner === 'string' && Number.isSafeInteger(op.fence) && Number.isFinite(op.at);
    case 'mailbox.receive':
      return typeof op.msgId === 'string' && typeof op.from === 'string' && op.message !== undefined && Number.isFinite(op.at);
    default:
      return false;
  }
}
