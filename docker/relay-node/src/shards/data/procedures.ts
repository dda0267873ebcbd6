// The sharded test procedures (JSON). Data lives in the shard of the call's shard key (Rpc-Shard-Key,
// else the body's `key`); writes go through replication.write, reads through replication.read.
// They replace the node-local counters of rpc/procedures.ts (`echo` is kept).
export type { ProcedureDeps, ShardCall, ShardProcedure } from './procedure-types';
import { type Procedure, type ProcedureRegistry } from '../../rpc/procedures';
import { invalidArgument, ShardError } from './replication';
import { selfCall } from './self-call';
import { entityProcedures } from './entity-procedures';
import type { ProcedureDeps, ShardCall, ShardProcedure } from './procedure-types';
import { holds, type JsonValue } from './store';

export const PINGPONG = 'pingpong::play';
export const SLOW_CALL = 'slow::call';

const byKey = (body: Record<string, unknown>, headerKey: string | undefined): string | undefined =>
  headerKey ?? (typeof body.key === 'string' && body.key !== '' ? body.key : undefined);

export function createShardProcedures(deps: ProcedureDeps): Map<string, ShardProcedure> {
  const { replication } = deps;
  const list: ShardProcedure[] = [];
  const write = (name: string, run: ShardProcedure['run'], plausible: NonNullable<ShardProcedure['plausible']>): void => {
    list.push({ name, write: true, routingKey: byKey, run, plausible });
  };
  const read = (name: string, run: ShardProcedure['run']): void => {
    list.push({ name, write: false, routingKey: byKey, run });
  };

  // `dedup`: an idempotency key (a workflow activity's "<workflow>/<step>"); a repeat is dropped.
  const add =
    (sign: 1 | -1) =>
    async ({ shardId, body, ticket }: ShardCall) => {
      const key = requireKey(body);
      const by = amount(body) * sign;
      const dedup = body.dedup;
      if (dedup !== undefined && (typeof dedup !== 'string' || dedup === '')) throw invalid('`dedup` must be a non-empty string');
      const result = await replication.write(shardId, { kind: 'counter.add', key, by, ...(dedup === undefined ? {} : { dedup }) }, ticket);
      return { key, value: result.value, ...(result.duplicate ? { duplicate: true } : {}) };
    };
  write('counter::increment', add(1), ({ body }, store) => ({ key: body.key, value: store.counter(String(body.key)) + amount(body) }));
  write('counter::decrement', add(-1), ({ body }, store) => ({ key: body.key, value: store.counter(String(body.key)) - amount(body) }));
  write(
    'counter::reset',
    async ({ shardId, body, ticket }) => {
      const key = requireKey(body);
      await replication.write(shardId, { kind: 'counter.reset', key }, ticket);
      return { key, value: 0 };
    },
    ({ body }) => ({ key: body.key, value: 0 }),
  );
  read('counter::get', async ({ shardId, body }) => {
    const key = requireKey(body);
    return { key, value: await replication.read(shardId, (store) => store.counter(key)) };
  });

  write(
    'kv::set',
    async (call) => {
      const { shardId, body, ticket } = call;
      const key = requireKey(body);
      if (body.value === undefined || body.value === null) throw invalid('`value` must be a JSON value other than null');
      const ifVersion = body.ifVersion;
      if (ifVersion !== undefined && !(Number.isSafeInteger(ifVersion) && (ifVersion as number) >= 0)) throw invalid('`ifVersion` must be a whole number ≥ 0');
      const op = {
        kind: 'kv.set' as const,
        key,
        value: body.value as JsonValue,
        who: who(call),
        ...(ifVersion === undefined ? {} : { ifVersion: ifVersion as number }),
      };
      const result = await replication.write(shardId, op, ticket);
      // The versioned trait: a write that names a version the key no longer has changes nothing.
      if (result.refused)
        throw new ShardError('FailedPrecondition', `kv::set "${key}": ifVersion ${String(ifVersion)} is stale, the key is at version ${result.version}`, true);
      return { key, value: result.value, version: result.version };
    },
    ({ body }, store) => ({ key: body.key, value: body.value, version: (store.kvEntry(String(body.key))?.version ?? 0) + 1 }),
  );
  write(
    'kv::cas',
    async (call) => {
      const { shardId, body, ticket } = call;
      const key = requireKey(body);
      if (body.value === undefined || body.value === null) throw invalid('`value` must be a JSON value other than null');
      if (body.expect === undefined) throw invalid('`expect` must be a JSON value (null: the key is absent)');
      const expect = body.expect as JsonValue;
      if (deps.defects.has('cas-not-atomic')) {
        // Seeded defect: compare and set as two steps of the log, so two calls expecting the same value
        // can both see it and both set.
        const current = await replication.read(shardId, (store) => store.kvEntry(key));
        if (!holds(current, expect)) return { key, applied: false, value: current?.value ?? null, version: current?.version ?? 0 };
        const result = await replication.write(shardId, { kind: 'kv.set', key, value: body.value as JsonValue, who: who(call) }, ticket);
        return { key, applied: true, value: result.value, version: result.version };
      }
      const result = await replication.write(shardId, { kind: 'kv.cas', key, expect, value: body.value as JsonValue, who: who(call) }, ticket);
      return { key, applied: result.applied, value: result.value, version: result.version };
    },
    ({ body }, store) => {
      const current = store.kvEntry(String(body.key));
      const applied = holds(current, (body.expect ?? null) as JsonValue);
      return { key: body.key, applied, value: applied ? body.value : (current?.value ?? null), version: (current?.version ?? 0) + (applied ? 1 : 0) };
    },
  );
  read('kv::get', async ({ shardId, body }) => {
    const key = requireKey(body);
    const entry = await replication.read(shardId, (store) => store.kvEntry(key));
    return { key, value: entry?.value ?? null, version: entry?.version ?? 0 };
  });
  write(
    'kv::delete',
    async (call) => {
      const { shardId, body, ticket } = call;
      const key = requireKey(body);
      const result = await replication.write(shardId, { kind: 'kv.delete', key, who: who(call) }, ticket);
      return { key, deleted: result.deleted };
    },
    ({ body }, store) => ({ key: body.key, deleted: store.kvEntry(String(body.key)) !== undefined }),
  );
  read('kv::keys', async ({ shardId }) => ({ shardId, keys: await replication.read(shardId, (store) => store.kvKeys()) }));

  // The auditable trait: switched on per entity (it cannot be switched off: an audit log with a gap
  // would be no audit log), then every change of the entity appends an entry in the same log step.
  write(
    'kv::traits',
    async ({ shardId, body, ticket }) => {
      const key = requireKey(body);
      if (body.auditable !== true) throw invalid('`auditable` must be true (the trait cannot be switched off; every entity is versioned)');
      await replication.write(shardId, { kind: 'kv.audit', key }, ticket);
      return { key, traits: ['versioned', 'auditable'] };
    },
    ({ body }) => ({ key: body.key, traits: ['versioned', 'auditable'] }),
  );
  read('kv::audit', async ({ shardId, body }) => {
    const key = requireKey(body);
    const log = await replication.read(shardId, (store) => store.auditLog(key));
    return { key, auditable: log !== undefined, entries: log ?? [] };
  });

  write(
    'set::add',
    async ({ shardId, body, ticket }) => {
      const key = requireKey(body);
      if (typeof body.element !== 'string') throw invalid('`element` must be a string');
      const result = await replication.write(shardId, { kind: 'set.add', key, element: body.element }, ticket);
      return { key, added: result.added };
    },
    ({ body }, store) => ({ key: body.key, added: !store.setHas(String(body.key), String(body.element)) }),
  );
  read('set::read', async ({ shardId, body }) => {
    const key = requireKey(body);
    return { key, elements: await replication.read(shardId, (store) => store.setElements(key)) };
  });

  list.push(...entityProcedures(deps));

  // Sleeps on the owner without the shard lock: the call that stays in flight across a move.
  read(SLOW_CALL, async ({ shardId, body }) => {
    const ms = body.ms ?? 0;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > 30_000) throw invalid('`ms` must be an integer 0..30000');
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { sleptMs: ms, shardId };
  });

  list.push({
    name: PINGPONG,
    write: true,
    routingKey: (body, headerKey) => (typeof body.a === 'string' && body.a !== '' ? body.a : headerKey),
    run: async ({ shardId, body, ticket }) => {
      const a = body.a;
      const b = body.b;
      const rounds = body.rounds ?? 1;
      if (typeof a !== 'string' || a === '' || typeof b !== 'string' || b === '') throw invalid('`a` and `b` must be non-empty strings');
      if (typeof rounds !== 'number' || !Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw invalid('`rounds` must be an integer 1..50');
      const hops: { key: string; servedBy: string; value: unknown }[] = [];
      for (let round = 0; round < rounds; round += 1) {
        const local = await replication.write(shardId, { kind: 'counter.add', key: a, by: 1 }, ticket);
        hops.push({ key: a, servedBy: deps.nodeId, value: local.value });
        // b goes through this node's own port, so the router takes it to b's owner like any client call.
        const remote = await selfCall(deps, 'counter::increment', b, { key: b, by: 1 }, `pingpong@${deps.nodeId}`);
        ticket.applied += 1;
        hops.push({ key: b, servedBy: remote.servedBy, value: remote.value });
      }
      return { rounds, hops };
    },
    plausible: ({ body }) => ({ rounds: body.rounds ?? 1, hops: [] }),
  });

  return new Map(list.map((procedure) => [procedure.name, procedure]));
}

/** Registers `echo` and the shard procedures (for introspection and for direct dispatch without the router). */
export function registerShardProcedures(registry: ProcedureRegistry, procedures: ReadonlyMap<string, ShardProcedure>, shardOf: (key: string) => string): void {
  registry.register({
    name: 'echo',
    encoding: undefined,
    aliases: [],
    handle: (request) => ({ body: request.body, encoding: request.encoding, contentType: request.contentType }),
  });
  for (const procedure of procedures.values()) {
    registry.register({
      name: procedure.name,
      encoding: 'json',
      aliases: [],
      handle: async (request) => {
        const body = parseJsonBody(request.body, procedure.name);
        const key = procedure.routingKey(body, request.shardKey);
        if (key === undefined) throw missingKey(procedure.name);
        const result = await procedure.run({ shardId: shardOf(key), body, ticket: { applied: 0 } });
        return { body: Buffer.from(JSON.stringify(result)), encoding: 'json', contentType: 'application/json' };
      },
    } satisfies Procedure);
  }
}

export function parseJsonBody(body: Buffer, name: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw invalid(`${name} expects a JSON object body`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid(`${name} expects a JSON object body`);
  return parsed as Record<string, unknown>;
}

export function missingKey(name: string): ShardError {
  return invalid(`${name} needs a shard key: header Rpc-Shard-Key or a body \`key\``);
}

const invalid = invalidArgument;

function requireKey(body: Record<string, unknown>): string {
  if (typeof body.key !== 'string' || body.key === '') throw invalid('`key` must be a non-empty string');
  return body.key;
}

const MAX_WHO = 200;

/** Who an audited change is recorded under: the body's `who`, else the call's Rpc-Caller. */
function who({ body, caller }: ShardCall): string | undefined {
  if (body.who === undefined) return caller;
  if (typeof body.who !== 'string' || body.who === '' || body.who.length > MAX_WHO)
    throw invalid(`\`who\` must be a non-empty string of at most ${MAX_WHO} characters`);
  return body.who;
}

function amount(body: Record<string, unknown>): number {
  const by = body.by ?? 1;
  if (typeof by !== 'number' || !Number.isSafeInteger(by)) throw invalid('`by` must be an integer');
  return by;
}
