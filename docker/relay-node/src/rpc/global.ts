// Calls that need the global leader (feature:mesh-sequence): `sequence::next` and `global::echo`.
// Any node receiving one forwards it over plain HTTP to whoever holds `global-control` (its
// gossip label httpEndpoint, else <leaderId>:<RELAY_HTTP_PORT>), marked `x-mesh-forwarded-by`;
// the holder serves it. X-Mesh-Node names the node that served the call, `x-mesh-received-by`
// the node that received it from the client. A forwarded call is never forwarded again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Defects } from '../defects';
import type { MembershipTable } from '../gossip/membership';
import { GLOBAL_SCOPE } from '../leadership/scopes';
import { type LeadershipEvent, LeadershipEventKind, type LeaseToken } from '../leadership/types';
import { TRANSITION_NAMES } from '../leadership/events';
import { sameLease } from '../leadership/tokens';
import { errorMessage, type Logger } from '../log';
import type { SequenceService } from '../sequence/service';
import { sequenceName } from '../sequence/sequence';
import { formatHostPort, httpEndpointOf } from './http-endpoints';
import { header, writeError } from './inbound';
import { forwardCall } from './relay';
import { FORWARDED_BY_HEADER } from './misroute';
import { type Procedure, type ProcedureRegistry } from './procedures';
import { RpcError } from './status';

export const SEQUENCE_NEXT = 'sequence::next';
export const GLOBAL_ECHO = 'global::echo';
export const GLOBAL_PROCEDURES: ReadonlySet<string> = new Set([SEQUENCE_NEXT, GLOBAL_ECHO]);
export const RECEIVED_BY_HEADER = 'X-Mesh-Received-By';

export function registerGlobalProcedures(registry: ProcedureRegistry, sequence: () => SequenceService | undefined): void {
  registry.register({
    name: SEQUENCE_NEXT,
    encoding: 'json',
    aliases: [],
    handle: async (request) => {
      const body = jsonObject(request.body, SEQUENCE_NEXT);
      let name: string;
      try {
        name = sequenceName(body);
      } catch (error) {
        throw new RpcError('InvalidArgument', errorMessage(error));
      }
      const service = sequence();
      if (!service) throw new RpcError('Unavailable', 'leadership is disabled on this node (no RELAY_ETCD_ENDPOINTS)');
      const value = await service.next(name);
      return { body: Buffer.from(JSON.stringify(value)), encoding: 'json', contentType: 'application/json' };
    },
  } satisfies Procedure);
  registry.register({
    name: GLOBAL_ECHO,
    encoding: undefined,
    aliases: [],
    handle: (request) => ({ body: request.body, encoding: request.encoding, contentType: request.contentType }),
  });
}

export interface GlobalForwarderOptions {
  nodeId: string;
  httpPort: number;
  timeoutMs: number;
  table: MembershipTable;
  /** The `global-control` holder as this node sees it. */
  holder: () => LeaseToken | undefined;
  /** Subscribes to this node's leadership events; returns the unsubscribe. */
  onLeadershipEvent?: (listener: (event: LeadershipEvent) => void) => () => void;
  /** forward-error-not-retryable acts here: a failed forward is answered InvalidArgument (400), which no client retries. */
  defects: Defects;
  log: Logger;
}

/**
 * Resolves `forwarded` when it relayed the call to the holder (its answer, or 503 when the holder
 * did not answer in time), `refused` when it answered 503 itself (no holder known, or a forwarded
 * call reached a node that no longer holds the scope), undefined when this node holds
 * `global-control` and serves the call itself.
 */
export function createGlobalForwarder(
  options: GlobalForwarderOptions,
): (req: IncomingMessage, res: ServerResponse, procedure: string) => Promise<'forwarded' | 'refused' | undefined> {
  const { nodeId, log } = options;
  return async (req, res, procedure) => {
    if (!GLOBAL_PROCEDURES.has(procedure)) return undefined;
    const forwardedBy = header(req, FORWARDED_BY_HEADER);
    const holder = options.holder();
    if (holder?.leaderId === nodeId) {
      res.setHeader(RECEIVED_BY_HEADER, forwardedBy ?? nodeId);
      return undefined;
    }
    res.setHeader(RECEIVED_BY_HEADER, forwardedBy ?? nodeId);
    if (!holder) {
      req.resume();
      writeError(req, res, 'Unavailable', `no ${GLOBAL_SCOPE} leader known to ${nodeId}`);
      return 'refused';
    }
    if (forwardedBy) {
      req.resume();
      writeError(req, res, 'Unavailable', `${nodeId} is not the ${GLOBAL_SCOPE} leader (it sees ${holder.leaderId}); a forwarded call is not forwarded again`);
      return 'refused';
    }
    const target = httpEndpointOf(holder.leaderId, options.table, options.httpPort);
    // A holder that loses its lease while the call waits on it (paused, cut off) will not answer in
    // time: give up when this node sees another holder, not at the timeout, so the caller can retry
    // the new one. The call may have reached the old holder, so the answer is Unavailable, outcome unknown.
    const deposed = new AbortController();
    const unsubscribe = options.onLeadershipEvent?.((event) => {
      if (event.scope !== GLOBAL_SCOPE || !holderGone(event, holder)) return;
      deposed.abort(
        new Error(`${holder.leaderId} stopped holding ${GLOBAL_SCOPE} before it answered (${TRANSITION_NAMES[event.eventKind]} ${event.leaderId ?? ''})`),
      );
    });
    await forwardCall(req, res, target, {
      headers: { [FORWARDED_BY_HEADER]: nodeId },
      timeoutMs: options.timeoutMs,
      signal: deposed.signal,
      onError: (error) => {
        log.warn('forward to the global leader failed', { procedure, leader: holder.leaderId, target: formatHostPort(target), error: errorMessage(error) });
        return {
          status: options.defects.has('forward-error-not-retryable') ? 'InvalidArgument' : 'Unavailable',
          message: `global leader ${holder.leaderId} unreachable at ${formatHostPort(target)}: ${errorMessage(error)}`,
        };
      },
    }).finally(() => unsubscribe?.());
    return 'forwarded';
  };
}

/** The event says `holder` no longer holds the scope: its lease ended, or another acquisition was seen. */
export function holderGone(event: LeadershipEvent, holder: LeaseToken): boolean {
  switch (event.eventKind) {
    case LeadershipEventKind.Expired:
    case LeadershipEventKind.SteppedDown:
    case LeadershipEventKind.Lost:
      return sameLease(event.token, holder);
    case LeadershipEventKind.Observed:
    case LeadershipEventKind.Elected:
      return event.token !== undefined && !sameLease(event.token, holder);
    default:
      return false;
  }
}

function jsonObject(body: Buffer, name: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new RpcError('InvalidArgument', `${name} expects a JSON object body`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RpcError('InvalidArgument', `${name} expects a JSON object body`);
  }
  return parsed as Record<string, unknown>;
}

/** Seeded defect forward-to-first-leader: remembers the first holder it ever saw and never looks again. */
export function firstSeen<T>(read: () => T | undefined): () => T | undefined {
  let first: T | undefined;
  return () => (first ??= read());
}
