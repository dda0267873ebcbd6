// The test procedures served on the data plane, and the registry the inbound dispatches through.
import { RpcError } from './status';

export interface RpcRequest {
  procedure: string;
  caller: string | undefined;
  /** Rpc-Encoding, falling back to Content-Type. */
  encoding: string | undefined;
  contentType: string | undefined;
  shardKey: string | undefined;
  body: Buffer;
}

export interface RpcResponse {
  body: Buffer;
  encoding: string | undefined;
  contentType: string | undefined;
}

export interface Procedure {
  name: string;
  /** Fixed encoding, or undefined when the procedure answers in the caller's encoding. */
  encoding: string | undefined;
  aliases: readonly string[];
  handle(request: RpcRequest): RpcResponse | Promise<RpcResponse>;
}

export class ProcedureRegistry {
  private readonly byName = new Map<string, Procedure>();
  private readonly ordered: Procedure[] = [];

  register(procedure: Procedure): void {
    for (const name of [procedure.name, ...procedure.aliases]) {
      if (this.byName.has(name)) throw new Error(`procedure ${name} registered twice`);
      this.byName.set(name, procedure);
    }
    this.ordered.push(procedure);
  }

  get(name: string): Procedure | undefined {
    return this.byName.get(name);
  }

  list(): readonly Procedure[] {
    return this.ordered;
  }
}

/** An in-memory counter per node (replicated counters come with shards). */
export class CounterStore {
  private readonly values = new Map<string, number>();

  get(key: string): number {
    return this.values.get(key) ?? 0;
  }

  add(key: string, by: number): number {
    const value = this.get(key) + by;
    this.values.set(key, value);
    return value;
  }

  reset(key: string): number {
    this.values.delete(key);
    return 0;
  }
}

export function registerBuiltinProcedures(registry: ProcedureRegistry, counters: CounterStore): void {
  registry.register({
    name: 'echo',
    encoding: undefined,
    aliases: [],
    // Answers with the request body and its encoding unchanged.
    handle: (request) => ({ body: request.body, encoding: request.encoding, contentType: request.contentType }),
  });
  registry.register(
    jsonProcedure('counter::increment', (body) => {
      const key = requireKey(body);
      const by = body.by ?? 1;
      if (typeof by !== 'number' || !Number.isSafeInteger(by)) throw new RpcError('InvalidArgument', '`by` must be an integer');
      return { key, value: counters.add(key, by) };
    }),
  );
  registry.register(
    jsonProcedure('counter::get', (body) => {
      const key = requireKey(body);
      return { key, value: counters.get(key) };
    }),
  );
  registry.register(
    jsonProcedure('counter::reset', (body) => {
      const key = requireKey(body);
      return { key, value: counters.reset(key) };
    }),
  );
}

function jsonProcedure(name: string, handler: (body: Record<string, unknown>) => unknown): Procedure {
  return {
    name,
    encoding: 'json',
    aliases: [],
    handle: (request) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(request.body.toString('utf8') || '{}');
      } catch {
        throw new RpcError('InvalidArgument', `${name} expects a JSON object body`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new RpcError('InvalidArgument', `${name} expects a JSON object body`);
      }
      const result = handler(parsed as Record<string, unknown>);
      return { body: Buffer.from(JSON.stringify(result)), encoding: 'json', contentType: 'application/json' };
    },
  };
}

function requireKey(body: Record<string, unknown>): string {
  if (typeof body.key !== 'string' || body.key === '') throw new RpcError('InvalidArgument', '`key` must be a non-empty string');
  return body.key;
}
