// What a sharded procedure is: the call it serves, its routing key, and what it needs from the node.
// Kept apart so that procedures.ts and entity-procedures.ts both build on it without importing each other.
import type { Defects } from '../../defects';
import type { CallTicket, Replication } from './replication';
import type { ShardStore } from './store';

export interface ShardCall {
  shardId: string;
  body: Record<string, unknown>;
  ticket: CallTicket;
  /** The call's Rpc-Caller, if any: who an auditable entity records a change under (else the body's `who`). */
  caller?: string;
}

export interface ShardProcedure {
  name: string;
  /** Changes state: answered at once and abandoned by drain-acks-inflight. */
  write: boolean;
  /** The key that picks the shard. */
  routingKey(body: Record<string, unknown>, headerKey: string | undefined): string | undefined;
  run(call: ShardCall): Promise<unknown>;
  /** The answer the call would plausibly give (seeded defect drain-acks-inflight). */
  plausible?(call: ShardCall, store: ShardStore): unknown;
}

export interface ProcedureDeps {
  nodeId: string;
  /** The cluster singleton task's key (singleton::status without a key reads it). */
  singletonKey?: string;
  /** Told of each timer this node schedules (seeded defect timer-not-rearmed-after-failover). */
  timers?: { scheduled(shardId: string, id: string): void };
  /** Told of each workflow this node records (seeded defect activity-reexecuted-on-replay). */
  workflows?: { started(shardId: string, id: string): void };
  httpPort: number;
  /** Bound of pingpong's own RPCs to b's owner. */
  callTimeoutMs: number;
  replication: Replication;
  defects: Defects;
}
