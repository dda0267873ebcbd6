// The 429 a budget or an ingress throttle answers: contract §2's ResourceExhausted error (Rpc-Status,
// Rpc-Error-Code, Rpc-Error-Message, error body) through the inbound's writeError, plus
//   Retry-After: <seconds, >= 1>
//   X-Mesh-Throttled: <region>/<node>/<shardId>   the pressured node (the owner) and the shard
//   X-Mesh-Outcome: not-applied
// and body metadata {scope: "shard"|"node", shardId? (shard scope), nodeId, region} naming the
// pressured node (plus throttledBy: the ingress node, when the ingress shed the call).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MESH_OUTCOME_HEADER, writeError } from '../rpc/inbound';

export const THROTTLED_HEADER = 'X-Mesh-Throttled';

export interface Throttle {
  scope: 'shard' | 'node';
  shardId: string;
  /** The node under pressure (the shard's owner). */
  nodeId: string;
  region: string;
  retryAfterS: number;
  message: string;
  /** Set when an ingress node shed the call on the owner's behalf. */
  throttledBy?: string;
}

export function writeThrottled(req: IncomingMessage, res: ServerResponse, throttle: Throttle): void {
  if (res.headersSent || res.destroyed) return;
  res.setHeader('Retry-After', String(throttle.retryAfterS));
  res.setHeader(THROTTLED_HEADER, `${throttle.region}/${throttle.nodeId}/${throttle.shardId}`);
  res.setHeader(MESH_OUTCOME_HEADER, 'not-applied');
  writeError(req, res, 'ResourceExhausted', throttle.message, {
    scope: throttle.scope,
    ...(throttle.scope === 'shard' ? { shardId: throttle.shardId } : {}),
    nodeId: throttle.nodeId,
    region: throttle.region,
    ...(throttle.throttledBy ? { throttledBy: throttle.throttledBy } : {}),
  });
}
