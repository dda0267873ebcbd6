// A minimal etcd v3 client over the JSON gRPC gateway (etcd 3.4: /v3/...), using fetch only.
// Gateway conventions: keys and values are base64, int64 fields are JSON strings, zero-valued
// fields are omitted. Lease ids can exceed 2^53, so they stay strings here.
//
// Every call has its own timeout; on a connection failure, a timeout or an etcd "no leader"
// style answer the call moves on to the next endpoint, so a node keeps working while one etcd
// member is down or partitioned away from the majority.

export class EtcdUnavailableError extends Error {
  override readonly name = 'EtcdUnavailableError';
}

/** etcd answered, but refused the request (e.g. lease not found). Not retried on another endpoint. */
export class EtcdRequestError extends Error {
  override readonly name = 'EtcdRequestError';

  constructor(
    message: string,
    readonly httpStatus: number,
    readonly grpcCode: number | undefined,
  ) {
    super(message);
  }
}

export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  /** "0" when the key has no lease. */
  lease: string;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** Store revision at which the read was served. */
  revision: number;
}

export type CompareTarget = 'CREATE' | 'MOD' | 'VERSION';
export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';

export interface Compare {
  key: string;
  target: CompareTarget;
  result: CompareResult;
  value: number;
}

export type TxnOp = { put: { key: string; value: string; lease?: string } } | { delete: { key: string } } | { range: { key: string; prefix?: boolean } };

export type TxnOpResult = { kind: 'put' } | { kind: 'delete'; deleted: number } | { kind: 'range'; kvs: KeyValue[] };

export interface TxnResult {
  succeeded: boolean;
  revision: number;
  responses: TxnOpResult[];
}

export interface EtcdClientOptions {
  endpoints: readonly string[];
  /** Per attempt, per endpoint. Default 1000 ms. */
  timeoutMs?: number;
  /** Called after every answered call (readiness tracks etcd reachability with it). */
  onResult?: (operation: string, ok: boolean) => void;
}

// gRPC codes that mean "this member cannot serve now, another one may".
const RETRY_ELSEWHERE_GRPC = new Set([4 /* DeadlineExceeded */, 14 /* Unavailable */]);

export class EtcdClient {
  private current = 0;
  private readonly timeoutMs: number;

  constructor(private readonly options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new Error('EtcdClient needs at least one endpoint');
    this.timeoutMs = options.timeoutMs ?? 1000;
  }

  /** The endpoint the next call tries first (the last one that answered). */
  get activeEndpoint(): string {
    return this.options.endpoints[this.current] ?? '';
  }

  async range(key: string, options: { prefix?: boolean; limit?: number } = {}): Promise<RangeResult> {
    const body: Record<string, unknown> = { key: b64(key) };
    if (options.prefix) body.range_end = b64(prefixEnd(key));
    if (options.limit) body.limit = String(options.limit);
    const json = await this.call('range', '/v3/kv/range', body);
    return { kvs: decodeKvs(json.kvs), revision: headerRevision(json) };
  }

  async txn(request: { compare: readonly Compare[]; success: readonly TxnOp[]; failure?: readonly TxnOp[] }): Promise<TxnResult> {
    const body = {
      compare: request.compare.map(encodeCompare),
      success: request.success.map(encodeOp),
      failure: (request.failure ?? []).map(encodeOp),
    };
    const json = await this.call('txn', '/v3/kv/txn', body);
    const responses = Array.isArray(json.responses) ? (json.responses as Record<string, unknown>[]) : [];
    return { succeeded: json.succeeded === true, revision: headerRevision(json), responses: responses.map(decodeOpResult) };
  }

  async leaseGrant(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }> {
    const json = await this.call('lease_grant', '/v3/lease/grant', { TTL: String(ttlSeconds), ID: '0' });
    if (typeof json.error === 'string' && json.error !== '') throw new EtcdRequestError(`lease grant: ${json.error}`, 200, undefined);
    return { id: String(json.ID), ttlSeconds: int(json.TTL) };
  }

  /**
   * One keep-alive round. The gateway streams responses to this client-streaming RPC; the first
   * JSON object is the answer. Returns the renewed TTL in seconds, 0 when the lease is gone.
   */
  async leaseKeepAliveOnce(id: string): Promise<number> {
    const json = await this.call('lease_keepalive', '/v3/lease/keepalive', { ID: id }, true);
    const result = (json.result ?? {}) as Record<string, unknown>;
    return int(result.TTL);
  }

  /** Returns false when the lease was already gone. */
  async leaseRevoke(id: string): Promise<boolean> {
    try {
      await this.call('lease_revoke', '/v3/lease/revoke', { ID: id });
      return true;
    } catch (error) {
      if (error instanceof EtcdRequestError && /lease not found/i.test(error.message)) return false;
      throw error;
    }
  }

  /** Remaining TTL in seconds (-1 when the lease does not exist) and the granted TTL. */
  async leaseTimeToLive(id: string): Promise<{ ttlSeconds: number; grantedTtlSeconds: number }> {
    const json = await this.call('lease_timetolive', '/v3/lease/timetolive', { ID: id, keys: false });
    return { ttlSeconds: json.TTL === undefined ? 0 : int(json.TTL), grantedTtlSeconds: int(json.grantedTTL) };
  }

  /**
   * Watches one key for puts after `afterRevision` (0: from now) on the endpoint that answered last,
   * until the stream ends, fails or `signal` aborts; then the promise settles and the caller decides
   * whether to watch again. The gateway streams one JSON object per line: a `created` answer, then event
   * batches. `onProgress` gets each answer's store revision (a watch that stops advancing while the key
   * changes has gone silent: a member cut off from etcd's majority keeps the stream open).
   */
  async watch(
    key: string,
    options: { afterRevision: number; signal: AbortSignal; onPut(kv: KeyValue): void; onProgress(revision: number): void },
  ): Promise<void> {
    const endpoint = this.activeEndpoint;
    const create: Record<string, unknown> = { key: b64(key) };
    if (options.afterRevision > 0) create.start_revision = String(options.afterRevision + 1);
    const abort = new AbortController();
    const stop = (): void => abort.abort(options.signal.reason);
    options.signal.addEventListener('abort', stop, { once: true });
    // The per-attempt timeout covers connecting and the `created` answer; the stream itself has no end.
    const timer = setTimeout(() => abort.abort(new Error(`no watch answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      const response = await fetch(`${endpoint}/v3/watch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ create_request: create }),
        signal: abort.signal,
      });
      if (!response.ok || !response.body) throw new EtcdRequestError(`etcd watch: HTTP ${response.status}`, response.status, undefined);
      for await (const json of jsonLines(response.body)) {
        const error = gatewayError(200, json);
        if (error) throw error;
        const result = (json.result ?? {}) as Record<string, unknown>;
        if (result.canceled === true) throw new EtcdRequestError(`etcd watch canceled: ${String(result.cancel_reason ?? 'no reason given')}`, 200, undefined);
        clearTimeout(timer);
        const events = Array.isArray(result.events) ? (result.events as Record<string, unknown>[]) : [];
        for (const event of events) if (event.type !== 'DELETE' && event.kv) options.onPut(decodeKvs([event.kv])[0]!);
        options.onProgress(headerRevision(result));
      }
    } catch (error) {
      if (!options.signal.aborted) throw error; // the caller stopped it: not a failure
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', stop);
      abort.abort();
    }
  }

  /** The endpoints that do not answer a status request within the per-attempt timeout (each asked once). */
  async unreachableEndpoints(): Promise<string[]> {
    const answers = await Promise.all(
      this.options.endpoints.map((endpoint) =>
        this.post(`${endpoint}/v3/maintenance/status`, {}, false).then(
          (outcome) => (outcome instanceof EtcdRequestError ? endpoint : undefined),
          () => endpoint,
        ),
      ),
    );
    return answers.filter((e): e is string => e !== undefined);
  }

  private async call(operation: string, path: string, body: unknown, firstObjectOnly = false): Promise<Record<string, unknown>> {
    const endpoints = this.options.endpoints;
    const failures: string[] = [];
    for (let attempt = 0; attempt < endpoints.length; attempt++) {
      const index = (this.current + attempt) % endpoints.length;
      const endpoint = endpoints[index] ?? '';
      let outcome: Record<string, unknown> | EtcdRequestError;
      try {
        outcome = await this.post(`${endpoint}${path}`, body, firstObjectOnly);
      } catch (error) {
        failures.push(`${endpoint}: ${describe(error)}`);
        continue;
      }
      if (outcome instanceof EtcdRequestError && outcome.grpcCode !== undefined && RETRY_ELSEWHERE_GRPC.has(outcome.grpcCode)) {
        failures.push(`${endpoint}: ${outcome.message}`);
        continue;
      }
      this.current = index;
      this.options.onResult?.(operation, true);
      if (outcome instanceof EtcdRequestError) throw outcome;
      return outcome;
    }
    this.options.onResult?.(operation, false);
    throw new EtcdUnavailableError(`etcd ${operation} failed on every endpoint: ${failures.join('; ')}`);
  }

  private async post(url: string, body: unknown, firstObjectOnly: boolean): Promise<Record<string, unknown> | EtcdRequestError> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: abort.signal,
      });
      const json = firstObjectOnly ? await readFirstJsonObject(response) : ((await response.json()) as Record<string, unknown>);
      const error = gatewayError(response.status, json);
      return error ?? json;
    } finally {
      clearTimeout(timer);
      // Streaming answers (keepalive) stay open; dropping them closes the HTTP request.
      abort.abort();
    }
  }
}

/** The gateway reports gRPC errors as {error, code, message} (or {error: {...}} on streams). */
function gatewayError(status: number, json: Record<string, unknown>): EtcdRequestError | undefined {
  const nested = typeof json.error === 'object' && json.error !== null ? (json.error as Record<string, unknown>) : undefined;
  const source = nested ?? json;
  const code = typeof source.code === 'number' ? source.code : typeof source.grpc_code === 'number' ? source.grpc_code : undefined;
  if (status === 200 && nested === undefined) return undefined;
  const message = String(source.message ?? source.error ?? `HTTP ${status}`);
  return new EtcdRequestError(`etcd: ${message}`, status, code);
}

/** The objects of a newline-delimited JSON stream, as they arrive. */
async function* jsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body) {
    text += decoder.decode(chunk, { stream: true });
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n')) {
      const line = text.slice(0, newline).trim();
      text = text.slice(newline + 1);
      if (line !== '') yield JSON.parse(line) as Record<string, unknown>;
    }
  }
  if (text.trim() !== '') yield JSON.parse(text) as Record<string, unknown>;
}

async function readFirstJsonObject(response: Response): Promise<Record<string, unknown>> {
  if (!response.body) throw new Error('empty keepalive response');
  for await (const json of jsonLines(response.body)) return json; // leaving the loop cancels the stream
  throw new Error('keepalive stream ended without an answer');
}

function encodeCompare(compare: Compare): Record<string, unknown> {
  const field = compare.target === 'CREATE' ? 'create_revision' : compare.target === 'MOD' ? 'mod_revision' : 'version';
  return { key: b64(compare.key), target: compare.target, result: compare.result, [field]: String(compare.value) };
}

function encodeOp(op: TxnOp): Record<string, unknown> {
  if ('put' in op) {
    return { request_put: { key: b64(op.put.key), value: b64(op.put.value), ...(op.put.lease ? { lease: op.put.lease } : {}) } };
  }
  if ('delete' in op) return { request_delete_range: { key: b64(op.delete.key) } };
  return {
    request_range: { key: b64(op.range.key), ...(op.range.prefix ? { range_end: b64(prefixEnd(op.range.key)) } : {}) },
  };
}

function decodeOpResult(entry: Record<string, unknown>): TxnOpResult {
  if (entry.response_range) return { kind: 'range', kvs: decodeKvs((entry.response_range as Record<string, unknown>).kvs) };
  if (entry.response_delete_range) {
    return { kind: 'delete', deleted: int((entry.response_delete_range as Record<string, unknown>).deleted) };
  }
  return { kind: 'put' };
}

function decodeKvs(raw: unknown): KeyValue[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((kv: Record<string, unknown>) => ({
    key: unb64(kv.key),
    value: unb64(kv.value),
    createRevision: int(kv.create_revision),
    modRevision: int(kv.mod_revision),
    version: int(kv.version),
    lease: kv.lease === undefined ? '0' : String(kv.lease),
  }));
}

function headerRevision(json: Record<string, unknown>): number {
  const header = (json.header ?? {}) as Record<string, unknown>;
  return int(header.revision);
}

function int(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
}

function b64(data: string | Buffer): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');
}

function unb64(value: unknown): string {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';
}

/** The smallest key greater than every key starting with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    const byte = bytes[i] ?? 0;
    if (byte < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = byte + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
