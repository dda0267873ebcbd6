// Planned moves, old-owner side (`POST /mesh/shards/handover`, sent by the global leader before it
// publishes the new owner): hold new calls for the shard, take the shard lock so in-flight writes
// finish, install the state on the new owner at the new fence, then pass held and later calls on to
// it until the map shows the move. If the map never shows it (handoverTimeoutMs × 2), serve again.
import type { MembershipTable } from '../../gossip/membership';
import { errorMessage, type Logger } from '../../log';
import { httpEndpointOf } from '../../rpc/http-endpoints';
import type { HandoverRequest, HandoverResult, ShardMapView } from '../types';
import { peerJson } from './peer-http';
import { INSTALL_PATH, type InstallRequest, type PeerReply, type Replication } from './replication';
import type { Defects } from '../../defects';
import type { ShardData } from './store';
import { clock } from '../../clock';

export const HANDOVER_PATH = '/mesh/shards/handover';

export interface HandoverDeps {
  nodeId: string;
  namespace: string;
  httpPort: number;
  handoverTimeoutMs: number;
  table: MembershipTable;
  view: ShardMapView;
  replication: Replication;
  log: Logger;
  defects?: Defects;
  /** Seeded defect drop-inflight-on-move: called as a handover starts, instead of letting in-flight calls finish. */
  onHandoverStart?: (shardId: string) => void;
}

export class Handover {
  private readonly held = new Map<string, number>();
  private readonly results = new Map<string, HandoverResult>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Seeded defect drain-hands-over-early-snapshot: copies taken when the drain started, per shard. */
  private readonly early = new Map<string, { fence: number; index: number; state: ShardData }>();

  constructor(private readonly deps: HandoverDeps) {}

  /** The state an install carries. Seeded defect audit-lost-on-handover: audit logs travel empty. */
  private sent(state: ShardData): ShardData {
    if (!this.deps.defects?.has('audit-lost-on-handover')) return state;
    return { ...state, audits: Object.fromEntries(Object.keys(state.audits ?? {}).map((key) => [key, []])) };
  }

  /**
   * Seeded defect drain-hands-over-early-snapshot: on drain, copies every shard this node serves so that
   * the handovers to come are quick, and a handover then installs that copy, missing whatever the calls
   * in flight at the drain wrote after it.
   */
  snapshotServedShards(): void {
    const { replication } = this.deps;
    for (const shardId of replication.knownShards()) {
      const slot = replication.slot(shardId);
      if (slot.ownerFence === undefined) continue;
      this.early.set(shardId, { fence: slot.fence, index: slot.index, state: slot.store.snapshot() });
    }
  }

  /** Router: a call for a shard being handed over waits here (counted as held). */
  async hold(shardId: string, handingOver: Promise<void>): Promise<void> {
    this.held.set(shardId, (this.held.get(shardId) ?? 0) + 1);
    await handingOver;
  }

  async handle(request: HandoverRequest): Promise<PeerReply> {
    const { nodeId, replication, log } = this.deps;
    const started = clock.monotonic();
    const { shardId, to, fenceToken } = request;
    if (request.namespace !== this.deps.namespace) return { status: 400, body: { message: `unknown namespace ${request.namespace}` } };
    if (to === nodeId) return { status: 400, body: { message: `${nodeId} cannot hand ${shardId} over to itself` } };
    const slot = replication.sync(shardId);
    const previous = this.results.get(shardId);
    if (previous && slot.handedTo?.nodeId === to && previous.fenceToken === fenceToken) return { status: 200, body: { ...previous } };
    if (slot.handingOver) return { status: 409, body: { message: `a handover of ${shardId} is already running on ${nodeId}` } };
    if (slot.ownerFence === undefined) return { status: 409, body: { message: `${nodeId} does not serve ${shardId}` } };
    if (fenceToken <= slot.fence) return { status: 409, body: { message: `fence ${fenceToken} is not newer than ${slot.fence}`, fenceToken: slot.fence } };

    let release!: () => void;
    slot.handingOver = new Promise<void>((resolve) => (release = resolve));
    this.held.set(shardId, 0);
    this.deps.onHandoverStart?.(shardId);
    let reply: PeerReply;
    try {
      reply = await replication.lock.run(shardId, async (): Promise<PeerReply> => {
        if (slot.ownerFence === undefined) return { status: 409, body: { message: `${nodeId} stopped serving ${shardId} during the handover` } };
        const early = this.early.get(shardId);
        this.early.delete(shardId);
        const copy = early?.fence === slot.fence ? early : { index: slot.index, state: slot.store.snapshot() };
        const install: InstallRequest = { shardId, fenceToken, index: copy.index, state: this.sent(copy.state), from: nodeId };
        try {
          // Stay inside the leader's wait (handoverTimeoutMs from its request) where the lock allowed it.
          const timeoutMs = Math.max(100, this.deps.handoverTimeoutMs - (clock.monotonic() - started));
          const answer = await peerJson(httpEndpointOf(to, this.deps.table, this.deps.httpPort), 'POST', INSTALL_PATH, install, timeoutMs);
          if (answer.status !== 200) return { status: 503, body: { message: `${to} refused the install (${answer.status})`, answer: answer.body } };
        } catch (error) {
          return { status: 503, body: { message: `install on ${to} failed: ${errorMessage(error)}` } };
        }
        slot.handedTo = { nodeId: to, fenceToken, previousFence: slot.fence, confirmed: false };
        slot.fence = fenceToken;
        slot.ownerFence = undefined;
        return { status: 200, body: {} };
      });
    } finally {
      // Held calls re-route once released: to the new owner, or here again if the install failed.
      slot.handingOver = undefined;
      release();
      replication.changed.notify();
    }
    const heldCalls = this.held.get(shardId) ?? 0;
    this.held.delete(shardId);
    if (reply.status !== 200) {
      log.warn('handover failed: still serving', { shardId, to, fenceToken, ...reply.body });
      return reply;
    }
    const result: HandoverResult = { shardId, from: nodeId, to, fenceToken, index: slot.index, heldCalls, ms: clock.monotonic() - started };
    this.results.set(shardId, result);
    log.info('shard handed over', { ...result, ticket: request.ticket });
    replication.movedAway(shardId);
    this.resumeUnlessPublished(shardId, result);
    return { status: 200, body: { ...result } };
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** The leader answers with a publication; without one (it failed mid-move) the shard is served here again. */
  private resumeUnlessPublished(shardId: string, result: HandoverResult): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const slot = this.deps.replication.sync(shardId);
      const handed = slot.handedTo;
      if (!handed || handed.fenceToken !== result.fenceToken || handed.confirmed || slot.fence !== handed.fenceToken) return;
      const record = this.deps.view.record(shardId);
      if (record && record.fenceToken >= result.fenceToken) return;
      this.deps.log.warn('handover never published: serving the shard again', {
        shardId,
        to: result.to,
        fenceToken: result.fenceToken,
        resumeFence: handed.previousFence,
      });
      slot.fence = handed.previousFence;
      slot.ownerFence = handed.previousFence;
      slot.handedTo = undefined;
      this.deps.replication.changed.notify();
    }, this.deps.handoverTimeoutMs * 2);
    timer.unref();
    this.timers.add(timer);
  }
}
