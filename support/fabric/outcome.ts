// How a history classifies one RPC: whether the cluster certainly applied it (ok), certainly did not
// (fail), or may have (info). Checkers treat `info` ops as "maybe happened"; miscounting an unknown
// outcome as `fail` would let a checker wrongly reject a history that contains its effect.
//
//   2xx                                              → ok
//   any 4xx                                          → fail   (refused before it took effect)
//   any answer with `x-mesh-outcome: not-applied`    → fail   (the node promises it had no effect)
//   anything else: 1xx/3xx, 5xx without that header,
//   timeouts, connection errors                      → info
import type { Outcome } from '../checks/history';
import { EXT } from './contract';

/** Extension header (relay-node): on an error answer, `not-applied` promises the call had no effect. */
export const MESH_OUTCOME_HEADER = 'x-mesh-outcome';
export const NOT_APPLIED = 'not-applied';

/** What the transport saw: an HTTP answer (headers by any case), or no answer at all. */
export type RpcAttempt =
  { readonly status: number; readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>> } | { readonly error: unknown };

function header(headers: Readonly<Record<string, string | readonly string[] | undefined>> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value.join(',') : (value as string | undefined);
  }
  return undefined;
}

/** True when the answer carries `x-mesh-outcome: not-applied` (any case, surrounding spaces ignored). */
export function promisesNotApplied(headers: Readonly<Record<string, string | readonly string[] | undefined>> | undefined): boolean {
  const value = header(headers, MESH_OUTCOME_HEADER);
  return value !== undefined && value.split(',').some((v) => v.trim().toLowerCase() === NOT_APPLIED);
}

/** The outcome of one HTTP answer: 2xx ok; 4xx or `not-applied` fail; anything else info. */
export function outcomeOfAnswer(status: number, headers?: Readonly<Record<string, string | readonly string[] | undefined>>): Outcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400 && status < 500) return 'fail';
  if (promisesNotApplied(headers)) return 'fail';
  return 'info';
}

/** The outcome of an attempt: an answer is classified by `outcomeOfAnswer`; no answer (timeout, reset, refused) is info. */
export function classifyRpc(attempt: RpcAttempt): Outcome {
  return 'status' in attempt ? outcomeOfAnswer(attempt.status, attempt.headers) : 'info';
}

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * An answer's result as the history keeps it: an object body's fields (any other body under `body`, no
 * body: nothing), plus who served it (`servedBy`) and, for geo-routed calls, where (`servedRegion`).
 */
export function resultOfAnswer(body: unknown, headers: Headers | undefined): Record<string, unknown> {
  const base =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : body === undefined ? {} : { body };
  const servedRegion = header(headers, EXT.servedRegionHeader);
  return { ...base, servedBy: header(headers, EXT.answeredByHeader), ...(servedRegion ? { servedRegion } : {}) };
}

/** One answer as the completion of a history entry: its outcome and result, and the status as the error unless ok. */
export function completionOfAnswer(r: { status: number; rpcStatus?: string; headers: Headers; body: unknown }): {
  outcome: Outcome;
  result: Record<string, unknown>;
  error?: string;
} {
  const outcome = outcomeOfAnswer(r.status, r.headers);
  return { outcome, result: resultOfAnswer(r.body, r.headers), ...(outcome === 'ok' ? {} : { error: `HTTP ${r.status} ${r.rpcStatus ?? ''}`.trim() }) };
}
