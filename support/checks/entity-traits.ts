// The two traits of a key-value entity, judged from the client history.
//
// Versioned: every change moves the entity to the next version, and a write naming a version the entity
// no longer has (`ifVersion`) is refused. So no two acknowledged changes of one entity may claim the same
// version (two writers both won the same version: a lost update), and an acknowledged `ifVersion N` write
// is at version N + 1. Refusals must have happened at all, or the trait was never put to the test.
//
// Auditable: one audit entry per acknowledged change, in version order. Judged against a final read of
// each entity's audit log (after the clients stopped): every acknowledged change is in it exactly once,
// at the version it was acknowledged at; every entry is a change some client attempted and was not
// refused (an unknown-outcome write may or may not be there); versions follow one another without gaps.
// Values written are unique per op (`{uid}`), which is what ties an entry to its op.
import { isFinalRead, type Op } from './history';
import { fieldOf, listed } from './format';

/** One audit entry as relay-node's `kv::audit` returns it. */
export interface AuditEntry {
  readonly version: number;
  readonly who: string;
  readonly what: 'set' | 'cas' | 'delete';
  readonly value: unknown;
}

export interface TraitResult {
  readonly problems: string[];
  readonly detail: Record<string, unknown>;
}

const text = (v: unknown) => JSON.stringify(v);
const keyOf = (op: Op) => fieldOf(op.value, 'key');
const isChange = (op: Op) => op.f === 'kv::set' || op.f === 'kv::cas';

/** A change the cluster acknowledged: an ok set, or an ok cas that applied. */
function acknowledged(op: Op): boolean {
  if (!isChange(op) || op.outcome !== 'ok' || isFinalRead(op)) return false;
  return op.f === 'kv::set' || fieldOf(op.result, 'applied') === true;
}

function byKey(ops: readonly Op[], keep: (op: Op) => boolean): Map<string, Op[]> {
  const keys = new Map<string, Op[]>();
  for (const op of ops) {
    const key = keyOf(op);
    if (typeof key !== 'string' || !keep(op)) continue;
    keys.set(key, [...(keys.get(key) ?? []), op]);
  }
  return keys;
}

export interface VersionOptions {
  /** Fewer acknowledged changes than this is a problem: nothing was tested. */
  readonly minimumAcknowledged: number;
  /** Fewer refused stale writes than this is a problem: the refusal was never exercised. */
  readonly minimumRefused: number;
}

/** No version claimed by two acknowledged changes; `ifVersion N` acknowledged at N + 1; refusals happened. */
export function versionProblems(ops: readonly Op[], { minimumAcknowledged, minimumRefused }: VersionOptions): TraitResult {
  const problems: string[] = [];
  const claimedTwice: string[] = [];
  const wrongVersion: string[] = [];
  let acked = 0;
  for (const [key, changes] of byKey(ops, acknowledged)) {
    const byVersion = new Map<number, Op[]>();
    for (const op of changes) {
      acked += 1;
      const version = fieldOf(op.result, 'version');
      if (typeof version !== 'number') {
        wrongVersion.push(`${op.f} #${op.index} of ${key} answered no version`);
        continue;
      }
      byVersion.set(version, [...(byVersion.get(version) ?? []), op]);
      const ifVersion = fieldOf(op.value, 'ifVersion');
      if (typeof ifVersion === 'number' && version !== ifVersion + 1)
        wrongVersion.push(`${op.f} #${op.index} of ${key} with ifVersion ${ifVersion} was acknowledged at version ${version}`);
    }
    for (const [version, claimants] of byVersion) {
      const values = new Set(claimants.map((op) => text(fieldOf(op.value, 'value'))));
      if (values.size > 1)
        claimedTwice.push(`${key} v${version} by ${claimants.map((op) => `#${op.index} (${op.process}, ${text(fieldOf(op.value, 'value'))})`).join(' and ')}`);
    }
  }
  const refused = ops.filter(
    (op) => op.f === 'kv::set' && op.outcome === 'fail' && typeof fieldOf(op.value, 'ifVersion') === 'number' && /failed.?precondition/i.test(op.error ?? ''),
  ).length;
  listed(problems, 'two acknowledged changes claimed one version (a lost update)', claimedTwice);
  listed(problems, 'acknowledged at another version than the one named', wrongVersion);
  if (acked < minimumAcknowledged) problems.push(`only ${acked} changes were acknowledged (at least ${minimumAcknowledged} needed to judge)`);
  if (refused < minimumRefused)
    problems.push(`only ${refused} stale writes were refused (at least ${minimumRefused} needed): the versioned trait was not put to the test`);
  return { problems, detail: { acknowledged: acked, refusedStale: refused, keys: byKey(ops, acknowledged).size } };
}

export interface AuditOptions {
  /** The entities made auditable before any change. */
  readonly keys: readonly string[];
  readonly minimumAcknowledged: number;
}

/** One entry per acknowledged change, at its version, in version order; no entry for a refused change. */
export function auditProblems(ops: readonly Op[], { keys, minimumAcknowledged }: AuditOptions): TraitResult {
  const problems: string[] = [];
  const missing: string[] = [];
  const duplicated: string[] = [];
  const misversioned: string[] = [];
  const unexplained: string[] = [];
  const disordered: string[] = [];
  const entriesPerKey: Record<string, number> = {};
  let acked = 0;
  const finals = byKey(ops, (op) => op.f === 'kv::audit' && isFinalRead(op) && op.outcome === 'ok');
  const changes = byKey(ops, (op) => isChange(op) && !isFinalRead(op));
  const deletes = byKey(ops, (op) => op.f === 'kv::delete' && op.outcome !== 'fail');
  for (const key of keys) {
    const final = (finals.get(key) ?? []).at(-1);
    if (!final) {
      problems.push(`no final read of ${key}'s audit log`);
      continue;
    }
    if (fieldOf(final.result, 'auditable') !== true) {
      problems.push(`${key} is not auditable in the final read`);
      continue;
    }
    const entries = (fieldOf(final.result, 'entries') ?? []) as AuditEntry[];
    entriesPerKey[key] = entries.length;
    const attempts = changes.get(key) ?? [];
    const opsOfValue = new Map<string, Op[]>();
    for (const op of attempts) opsOfValue.set(text(fieldOf(op.value, 'value')), [...(opsOfValue.get(text(fieldOf(op.value, 'value'))) ?? []), op]);
    const entriesOfValue = new Map<string, AuditEntry[]>();
    for (const e of entries) entriesOfValue.set(text(e.value), [...(entriesOfValue.get(text(e.value)) ?? []), e]);

    for (const op of attempts.filter(acknowledged)) {
      acked += 1;
      const value = text(fieldOf(op.value, 'value'));
      const version = fieldOf(op.result, 'version');
      const found = entriesOfValue.get(value) ?? [];
      const what = `${op.f} #${op.index} of ${key} by ${op.process} (${value}, v${String(version)})`;
      if (found.length === 0) missing.push(what);
      else if (found.length > 1) duplicated.push(`${what} has ${found.length} entries`);
      else if (found[0]!.version !== version) misversioned.push(`${what} is recorded at v${found[0]!.version}`);
    }
    for (const e of entries) {
      if (e.what === 'delete' && (deletes.get(key) ?? []).length > 0) continue;
      const tried = opsOfValue.get(text(e.value)) ?? [];
      if (!tried.some((op) => op.outcome !== 'fail' && (op.f === 'kv::set' || fieldOf(op.result, 'applied') !== false)))
        unexplained.push(
          `${key} v${e.version} (${text(e.value)}, by ${e.who}): ${tried.length > 0 ? 'a change that was refused' : 'a change nobody attempted'}`,
        );
    }
    for (let i = 1; i < entries.length; i++) {
      const [before, after] = [entries[i - 1]!, entries[i]!];
      const next = before.what === 'delete' ? 1 : before.version + 1;
      if (!(after.version === next || (after.what === 'delete' && after.version === 0)))
        disordered.push(`${key}: entry ${i + 1} is v${after.version} after v${before.version}`);
    }
  }
  listed(problems, 'acknowledged changes missing from the audit log', missing);
  listed(problems, 'acknowledged changes audited more than once', duplicated);
  listed(problems, 'audited at another version than acknowledged', misversioned);
  listed(problems, 'audit entries for changes that did not happen', unexplained);
  listed(problems, 'audit entries out of version order', disordered);
  if (acked < minimumAcknowledged)
    problems.push(`only ${acked} changes of audited entities were acknowledged (at least ${minimumAcknowledged} needed to judge)`);
  return { problems, detail: { acknowledged: acked, entries: entriesPerKey } };
}
