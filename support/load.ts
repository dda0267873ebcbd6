// How authors say how much load and where it enters: "8 clients", "50 calls per second", "8 clients at
// 50 calls per second"; "through every node", "from region \"west\"", "routed to shard owners". Parsed
// by the {load} and {entry} parameter types (parameter-types.ts), so the offline check sees them.

/** How many virtual clients, each with one call in flight, and an optional cap on calls per second. */
export interface Load {
  readonly clients: number;
  readonly callsPerSecond?: number;
}

/** Where the clients' calls enter the cluster. */
export type Entry =
  /** Every node in turn: calls land anywhere and the cluster forwards them. */
  | { readonly kind: 'every node' }
  /** Clients placed in a region: every call enters through that region's nodes, which forward it. */
  | { readonly kind: 'from region'; readonly region: string }
  /** Shard-keyed calls straight to the shard's owner; the rest by fewest pending calls. */
  | { readonly kind: 'shard owners' };

/**
 * A rate with no client count gets one client per 5 calls per second (at least 2): each keeps up while
 * calls answer within 200 ms, and a closed loop never piles calls onto a slow cluster. The rate is a
 * cap, so a stalled cluster sees fewer calls, never a burst to catch up.
 */
export const CALLS_PER_SECOND_PER_CLIENT = 5;

export const LOAD_REGEXP = /(\d+) clients at (\d+) calls per second|(\d+) calls per second|(\d+) clients/;

/** From LOAD_REGEXP's groups (an alternative that did not match gives null or undefined). */
export function loadOf(clientsAndRate?: string | null, rateWithClients?: string | null, rateAlone?: string | null, clientsAlone?: string | null): Load {
  const rateText = rateWithClients ?? rateAlone;
  const rate = Number(rateText);
  const clients = Number(clientsAndRate ?? clientsAlone ?? Math.max(2, Math.ceil(rate / CALLS_PER_SECOND_PER_CLIENT)));
  if (!(clients >= 1)) throw new Error(`"${clients} clients": at least 1 client is needed`);
  if (rateText == null) return { clients };
  if (!(rate >= 1)) throw new Error(`"${rate} calls per second": the rate must be at least 1`);
  return { clients, callsPerSecond: rate };
}

export const ENTRY_REGEXP = /(through every node)|from region "([a-z][a-z0-9]*)"|(routed to shard owners)/;

/** From ENTRY_REGEXP's groups. */
export function entryOf(everyNode?: string | null, region?: string | null): Entry {
  if (region != null) return { kind: 'from region', region };
  return everyNode != null ? { kind: 'every node' } : { kind: 'shard owners' };
}

export function describeLoad(load: Load): string {
  return `${load.clients} clients${load.callsPerSecond === undefined ? '' : ` at ${load.callsPerSecond} calls per second`}`;
}
