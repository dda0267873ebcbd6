// The durable-entity procedures beyond key-value (JSON): timers, workflows, calls between entities and
// the singleton task's record. Their records live in the shard of the call's shard key (Rpc-Shard-Key), else
// of the body's `id` (timers, workflows), `from`/`to` (calls) or `key` (the singleton). See docs/shards-data.md.
import type { ProcedureDeps, ShardProcedure } from './procedure-types';
import { invalidArgument as invalid, ShardError } from './replication';
import { selfCall } from './self-call';
import { isWorkflowStep, type JsonValue, type WorkflowRecord } from './store';
import { clock } from '../../clock';

const MAX_TIMER_DELAY_MS = 24 * 3600 * 1000;
const MAX_WORKFLOW_STEPS = 1000;

export function entityProcedures(deps: ProcedureDeps): ShardProcedure[] {
  const { replication } = deps;
  const list: ShardProcedure[] = [];
  const read = (name: string, run: ShardProcedure['run']): void => {
    list.push({ name, write: false, routingKey: byId, run });
  };

  // Durable timers (timers.ts): records in the shard's log, keyed by id, fired by the owner when due.
  list.push({
    name: 'timer::schedule',
    write: true,
    routingKey: byId,
    run: async ({ shardId, body, ticket }) => {
      const id = requireId(body);
      const delayMs = body.delayMs;
      if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_TIMER_DELAY_MS)
        throw invalid(`\`delayMs\` must be an integer 0..${MAX_TIMER_DELAY_MS}`);
      const payload = (body.payload ?? null) as JsonValue;
      const result = await replication.write(shardId, { kind: 'timer.schedule', key: id, dueAt: clock.now() + delayMs, payload, by: deps.nodeId }, ticket);
      if (result.created) deps.timers?.scheduled(shardId, id);
      return { ...result.timer, created: result.created };
    },
    plausible: ({ body }) => ({ id: body.id, state: 'scheduled', created: true }),
  });
  list.push({
    name: 'timer::cancel',
    write: true,
    routingKey: byId,
    run: async ({ shardId, body, ticket }) => {
      const id = requireId(body);
      const result = await replication.write(shardId, { kind: 'timer.cancel', key: id }, ticket);
      return { id, cancelled: result.cancelled, state: result.timer?.state ?? 'unknown' };
    },
    plausible: ({ body }) => ({ id: body.id, cancelled: true, state: 'cancelled' }),
  });
  read('timer::fires', async ({ shardId }) => ({ shardId, timers: await replication.read(shardId, (store) => store.timerRecords()) }));

  // Durable workflows (workflows.ts): a record with a journal, run by the owner of its shard.
  list.push({
    name: 'workflow::run',
    write: true,
    routingKey: byId,
    run: async ({ shardId, body, ticket }) => {
      const id = requireId(body);
      const steps = body.steps;
      if (!Array.isArray(steps) || steps.length > MAX_WORKFLOW_STEPS)
        throw invalid(`\`steps\` must be a list of at most ${MAX_WORKFLOW_STEPS} steps {key, by?, sleepMs?}`);
      const parsed = steps.map((step: unknown, i) => {
        const s = (step ?? {}) as Record<string, unknown>;
        const parsedStep = { key: s.key, by: s.by ?? 1, sleepMs: s.sleepMs ?? 0 };
        if (!isWorkflowStep(parsedStep) || parsedStep.sleepMs > 30_000)
          throw invalid(`steps[${i}] must be {key: non-empty string, by?: integer, sleepMs?: 0..30000}`);
        return parsedStep;
      });
      const failAt = body.failAt;
      if (failAt !== undefined && !(Number.isInteger(failAt) && (failAt as number) >= 0 && (failAt as number) < parsed.length))
        throw invalid('`failAt` must be the index of one of the steps');
      const op = {
        kind: 'workflow.start' as const,
        key: id,
        steps: parsed,
        by: deps.nodeId,
        at: clock.now(),
        ...(failAt === undefined ? {} : { failAt: failAt as number }),
      };
      const result = await replication.write(shardId, op, ticket);
      if (result.recorded) deps.workflows?.started(shardId, id);
      return { ...summary(result.workflow!), created: result.recorded };
    },
    plausible: ({ body }) => ({ id: body.id, state: 'running', next: 0, created: true }),
  });
  list.push({
    name: 'workflow::retry',
    write: true,
    routingKey: byId,
    run: async ({ shardId, body, ticket }) => {
      const id = requireId(body);
      const result = await replication.write(shardId, { kind: 'workflow.retry', key: id }, ticket);
      if (!result.workflow) throw new ShardError('NotFound', `no workflow ${id} on ${shardId}`, true);
      return { ...summary(result.workflow), retried: result.retried };
    },
    plausible: ({ body }) => ({ id: body.id, state: 'running', retried: true }),
  });
  list.push({
    name: 'workflow::get',
    write: false,
    routingKey: byId,
    run: async ({ shardId, body }) => {
      const id = requireId(body);
      const w = await replication.read(shardId, (store) => store.workflow(id));
      if (!w) throw new ShardError('NotFound', `no workflow ${id} on ${shardId}`, true);
      return w;
    },
  });
  read('workflow::list', async ({ shardId }) => ({ shardId, workflows: (await replication.read(shardId, (store) => store.workflowRecords())).map(summary) }));

  // Calls between entities. send_to runs on the owner of `from` and passes the message to `to` through
  // this node's RPC port (the router takes it to `to`'s owner), where receive records it once per message
  // id and, while `replies` remain, sends a reply back the same way: A → B → A → … across shards. No
  // lock is held across a call, so a circle cannot deadlock; each hop is bounded by callTimeoutMs.
  const caller = `entity@${deps.nodeId}`;
  const singletonKey = (body: Record<string, unknown>): string =>
    typeof body.key === 'string' && body.key !== '' ? body.key : (deps.singletonKey ?? 'singleton/heartbeat');
  list.push({
    name: 'entity::send_to',
    write: true,
    routingKey: (body, headerKey) => headerKey ?? (typeof body.from === 'string' && body.from !== '' ? body.from : undefined),
    run: async ({ shardId, body }) => {
      const { from, to, message, replies } = callBody(body);
      const msgId = typeof body.msgId === 'string' && body.msgId !== '' ? body.msgId : `${from}>${to}:${JSON.stringify(message)}`;
      const pass = () => selfCall(deps, 'entity::receive', to, { to, from, message, msgId, replies }, caller);
      // Seeded defect send-holds-entity-lock: the sender's shard stays locked until the whole chain answers.
      const answer = deps.defects.has('send-holds-entity-lock') ? await replication.lock.run(shardId, pass) : await pass();
      return { from, to, msgId, hops: [{ to, servedBy: answer.servedBy }, ...((answer.body.hops as unknown[] | undefined) ?? [])].slice(0, MAX_REPLIES + 1) };
    },
    plausible: ({ body }) => ({ from: body.from, to: body.to, hops: [] }),
  });
  list.push({
    name: 'entity::receive',
    write: true,
    routingKey: (body, headerKey) => headerKey ?? (typeof body.to === 'string' && body.to !== '' ? body.to : undefined),
    run: async ({ shardId, body, ticket }) => {
      const { from, to, message, replies } = callBody(body);
      if (typeof body.msgId !== 'string' || body.msgId === '') throw invalid('`msgId` must be a non-empty string');
      const msgId = body.msgId;
      const result = await replication.write(shardId, { kind: 'mailbox.receive', key: to, msgId, from, message, at: clock.now() }, ticket);
      if (replies === 0) return { to, msgId, duplicate: result.duplicate, hops: [] };
      const reply = await selfCall(deps, 'entity::receive', from, { to: from, from: to, message, msgId: `${msgId}/${replies}`, replies: replies - 1 }, caller);
      return { to, msgId, duplicate: result.duplicate, hops: [{ to: from, servedBy: reply.servedBy }, ...((reply.body.hops as unknown[] | undefined) ?? [])] };
    },
    plausible: ({ body }) => ({ to: body.to, msgId: body.msgId, hops: [] }),
  });
  list.push({
    name: 'entity::messages',
    write: false,
    routingKey: (body, headerKey) => headerKey ?? (typeof body.key === 'string' && body.key !== '' ? body.key : undefined),
    run: async ({ shardId, body }) => {
      if (typeof body.key !== 'string' || body.key === '') throw invalid('`key` must be a non-empty string');
      const key = body.key;
      return { key, messages: await replication.read(shardId, (store) => store.inbox(key)) };
    },
  });

  // The cluster singleton task's record (singleton.ts): tenures in fence order and heartbeats.
  list.push({
    name: 'singleton::status',
    write: false,
    routingKey: (body, headerKey) => headerKey ?? singletonKey(body),
    run: async ({ shardId, body }) => {
      const key = singletonKey(body);
      const record = await replication.read(shardId, (store) => store.singleton(key));
      return record ?? { key, history: [], heartbeats: 0 };
    },
  });

  return list;
}

const MAX_REPLIES = 10;

/** `{from, to, message, replies?}` of a call between entities. */
function callBody(body: Record<string, unknown>): { from: string; to: string; message: JsonValue; replies: number } {
  const { from, to, message } = body;
  const replies = body.replies ?? 0;
  if (typeof from !== 'string' || from === '' || typeof to !== 'string' || to === '') throw invalid('`from` and `to` must be non-empty strings (entity keys)');
  if (message === undefined) throw invalid('`message` must be a JSON value');
  if (typeof replies !== 'number' || !Number.isInteger(replies) || replies < 0 || replies > MAX_REPLIES)
    throw invalid(`\`replies\` must be an integer 0..${MAX_REPLIES}`);
  return { from, to, message: message as JsonValue, replies };
}

const byId = (body: Record<string, unknown>, headerKey: string | undefined): string | undefined =>
  headerKey ?? (typeof body.id === 'string' && body.id !== '' ? body.id : undefined);

/** A workflow without its steps and journal. */
function summary(w: WorkflowRecord) {
  return { id: w.id, state: w.state, next: w.next, steps: w.steps.length, ...(w.failAt === undefined ? {} : { failAt: w.failAt }) };
}

function requireId(body: Record<string, unknown>): string {
  if (typeof body.id !== 'string' || body.id === '') throw invalid('`id` must be a non-empty string');
  return body.id;
}
