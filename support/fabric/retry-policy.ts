// Client-side retries (contract §2): which tries may be retried, how long to wait before the next, and
// a Retry-After read. Pure; the load driver applies them.
import type { Rng } from './choosers';

export interface RetryOptions {
  /** Tries in all, the first included: a whole number ≥ 1 (1 means no retry). */
  readonly attempts: number;
  /** Base of the exponential backoff: before retry k the wait is uniform in [0, backoffMs·2^(k-1)). Default 25 ms. */
  readonly backoffMs?: number;
  /** Cap on every wait between tries, a Retry-After included. Default 1,000 ms. */
  readonly maxBackoffMs?: number;
}

/** Contract §2: the statuses a client may retry (names as `Rpc-Status` carries them). */
export const RETRYABLE_RPC_STATUSES: readonly string[] = ['Unavailable', 'Internal', 'ResourceExhausted', 'Aborted', 'DeadlineExceeded'];
const RETRYABLE_NAMES = new Set(RETRYABLE_RPC_STATUSES.map((s) => s.toLowerCase()));

/** Transport failures worth another try: no answer came (timeout), or the connection was refused or reset. */
export const RETRYABLE_TRANSPORT_CODES: readonly string[] = [
  'timeout',
  'closed-before-answer',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
];
const RETRYABLE_CODES = new Set(RETRYABLE_TRANSPORT_CODES);

/** `Unavailable`, `UNAVAILABLE`, `resource_exhausted` → `unavailable`, `resourceexhausted`. */
const statusName = (value: string) => value.replace(/[\s_-]/g, '').toLowerCase();

/**
 * Whether a try may be retried. An answer: never a 1xx–3xx, never a 4xx other than 429 (and 409 carrying
 * `Rpc-Status: Aborted`); otherwise its `Rpc-Status` decides (one of RETRYABLE_RPC_STATUSES, any case),
 * and without that header the HTTP status does (503, 500, 429, 504). No answer: a transport failure whose
 * code is in RETRYABLE_TRANSPORT_CODES (a protocol error or a peer missing from the list is not retried).
 */
export function isRetryable(attempt: { status: number; headers: Readonly<Record<string, string>> } | { error: Error }): boolean {
  if ('error' in attempt) return RETRYABLE_CODES.has(transportFailure(attempt.error));
  const { status } = attempt;
  if (status < 400) return false;
  const rpc = attempt.headers['rpc-status'];
  const name = rpc === undefined || rpc.trim() === '' ? undefined : statusName(rpc);
  if (status < 500 && status !== 429 && !(status === 409 && name === 'aborted')) return false;
  if (name !== undefined) return RETRYABLE_NAMES.has(name);
  return status === 503 || status === 500 || status === 429 || status === 504;
}

/** A `Retry-After` value in ms: delay-seconds (decimals accepted) or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * The wait before retry `retry` (1 for the first retry): the Retry-After when the answer had one, else
 * full jitter, uniform in [0, backoffMs·2^(retry-1)); either way at most maxBackoffMs.
 */
export function retryDelayMs(retry: number, retryAfter: number | undefined, opts: RetryOptions, rng: Rng = Math.random): number {
  const { backoffMs = 25, maxBackoffMs = 1_000 } = opts;
  if (retryAfter !== undefined) return Math.min(retryAfter, maxBackoffMs);
  return rng() * Math.min(maxBackoffMs, backoffMs * 2 ** (retry - 1));
}

/** A transport failure's code: the status key in summaries, and what isRetryable decides on. */
export function transportFailure(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? 'transport-error';
}
