// Calls between entities (entity::send_to with replies: A → B → A → …), judged from the client history
// and a final read of every inbox involved.
//
// With no fault injected, every call completes, and within the bound: a circle that deadlocks shows as
// calls that time out. Each completed call's messages are in the right inboxes exactly once: the first
// in the receiver's, each reply in the other's, ids derived as relay-node does (`<from>><to>:<message>`,
// then `/<replies left>` per reply). Every inbox message belongs to some call that was sent.
import { isFinalRead, type Op } from './history';
import { fieldOf, listed, spread } from './format';

export interface CallResult {
  readonly problems: string[];
  readonly detail: { calls: number; completed: number; messages: number; latencyMs: { p50: number; p99: number; max: number } | null };
}

/** Where each message of a call lands: [inbox key, message id], first hop first. */
export function expectedMessages(from: string, to: string, message: unknown, replies: number): [string, string][] {
  const out: [string, string][] = [];
  let id = `${from}>${to}:${JSON.stringify(message)}`;
  let at = to;
  out.push([at, id]);
  for (let left = replies; left >= 1; left--) {
    id = `${id}/${left}`;
    at = at === to ? from : to;
    out.push([at, id]);
  }
  return out;
}

export function entityCallProblems(ops: readonly Op[], { minimumCalls, boundMs }: { minimumCalls: number; boundMs: number }): CallResult {
  const sends = ops.filter((op) => op.f === 'entity::send_to' && !isFinalRead(op));
  const inboxes = new Map<string, string[]>();
  for (const op of ops) {
    const key = fieldOf(op.value, 'key');
    if (op.f === 'entity::messages' && isFinalRead(op) && op.outcome === 'ok' && typeof key === 'string')
      inboxes.set(
        key,
        ((fieldOf(op.result, 'messages') ?? []) as { msgId: string }[]).map((m) => m.msgId),
      );
  }
  const incomplete: string[] = [];
  const slow: string[] = [];
  const missing: string[] = [];
  const repeated: string[] = [];
  const explained = new Map<string, Set<string>>();
  const latencies: number[] = [];
  for (const op of sends) {
    const from = String(fieldOf(op.value, 'from'));
    const to = String(fieldOf(op.value, 'to'));
    const replies = Number(fieldOf(op.value, 'replies') ?? 0);
    const chain = expectedMessages(from, to, fieldOf(op.value, 'message'), replies);
    for (const [at, id] of chain) explained.set(at, (explained.get(at) ?? new Set()).add(id));
    if (op.outcome !== 'ok') {
      incomplete.push(`#${op.index} ${from} → ${to} (${op.outcome ?? 'no answer'}${op.error ? `: ${op.error}` : ''})`);
      continue;
    }
    const ms = (op.completeMs ?? op.invokeMs) - op.invokeMs;
    latencies.push(ms);
    if (ms > boundMs) slow.push(`#${op.index} ${from} → ${to} took ${Math.round(ms)} ms`);
    for (const [at, id] of chain) {
      const inbox = inboxes.get(at);
      if (!inbox) {
        missing.push(`${id}: no final read of ${at}'s inbox`);
        continue;
      }
      const n = inbox.filter((m) => m === id).length;
      if (n === 0) missing.push(`${id} not in ${at}'s inbox`);
      else if (n > 1) repeated.push(`${id} ${n} times in ${at}'s inbox`);
    }
  }
  const unexplained: string[] = [];
  for (const [key, ids] of inboxes) for (const id of ids) if (!explained.get(key)?.has(id)) unexplained.push(`${id} in ${key}'s inbox`);
  const problems: string[] = [];
  const list = (header: string, lines: string[]) => listed(problems, header, lines);
  list('calls that did not complete', incomplete);
  list(`calls slower than ${boundMs} ms`, slow);
  list('messages of completed calls missing', missing);
  list('messages delivered more than once', repeated);
  list('messages no call sent', unexplained);
  if (sends.length < minimumCalls) problems.push(`only ${sends.length} calls were made (at least ${minimumCalls} needed to judge)`);
  const messages = [...inboxes.values()].reduce((n, ids) => n + ids.length, 0);
  return { problems, detail: { calls: sends.length, completed: latencies.length, messages, latencyMs: spread(latencies) } };
}
