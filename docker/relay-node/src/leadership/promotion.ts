// Promotion on request (feature:mesh-promotion, POST /control/leaders/promote): make this node the
// holder of a scope it is eligible for. An incumbent is first asked to release; one that does not
// answer has its etcd lease revoked (an operator override). Then this node acquires normally:
// term + 1, a new create_revision, so a higher fence. Seeded defects acting here:
// promotion-unfenced, promotion-revoke-wrong-lease.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Defects } from '../defects';
import { errorMessage, type Logger } from '../log';
import { ControlError, type LeaseHolder } from './holder';
import type { EtcdLeaseStore, StoredLease } from './lease-store';
import { LeadershipEventKind } from './types';
import { resultOf } from './tokens';
import { clock } from '../clock';

export type PromotionMethod = 'released' | 'revoked' | 'vacant' | 'held';

export interface PromotionResult {
  scope: string;
  previousLeaderId?: string;
  leaderId: string;
  term: number;
  fenceToken: number;
  method: PromotionMethod;
}

/** Asks the incumbent to release: `released` (it did), `refused` (it answered otherwise), `no-answer`. */
export type ReleaseAsker = (holder: StoredLease) => Promise<'released' | 'refused' | 'no-answer'>;

export interface PromotionOptions {
  nodeId: string;
  /** Scopes the node was declared eligible for (RELAY_ELIGIBLE_SCOPES). */
  eligibleScopes: readonly string[];
  defects: Defects;
}

export class Promotion {
  private readonly running = new Set<string>();

  constructor(
    private readonly store: EtcdLeaseStore,
    private readonly holder: LeaseHolder,
    private readonly log: Logger,
    private readonly options: PromotionOptions,
    private readonly signal: AbortSignal,
  ) {}

  /** A promotion of `scope` is running here (the campaign loop leaves the scope alone meanwhile). */
  inProgress(scope: string): boolean {
    return this.running.has(scope);
  }

  async promote(scope: string, askRelease: ReleaseAsker): Promise<PromotionResult> {
    const { eligibleScopes, nodeId } = this.options;
    if (!eligibleScopes.includes(scope)) {
      throw new ControlError(409, `${nodeId} is not eligible for ${scope} (eligible: ${eligibleScopes.join(', ') || 'none'})`);
    }
    if (this.signal.aborted) throw new ControlError(503, 'node is shutting down');
    if (this.running.has(scope)) throw new ControlError(409, `a promotion for ${scope} is already in progress on this node`);
    const mine = this.holder.holds(scope);
    if (mine) return { scope, previousLeaderId: mine.leaderId, ...resultOf(mine), method: 'held' };
    this.running.add(scope);
    try {
      return await this.steps(scope, askRelease);
    } finally {
      this.running.delete(scope);
    }
  }

  private async steps(scope: string, askRelease: ReleaseAsker): Promise<PromotionResult> {
    let lastHolder: StoredLease | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const holder = await etcdOr503(() => this.store.readHolder(scope));
      lastHolder = holder;
      const stale = this.holder.held.get(scope);
      if (stale) this.holder.stepDown(stale, LeadershipEventKind.Lost, 'superseded'); // past its local deadline: start afresh

      if (holder && this.options.defects.has('promotion-unfenced')) {
        const lease = await etcdOr503(() => this.store.overwriteInPlace(holder));
        if (!lease) continue;
        this.holder.adopt(lease, 'promoted');
        return { scope, previousLeaderId: holder.leaderId, ...resultOf(lease), method: 'released' };
      }

      let method: PromotionMethod = 'vacant';
      if (holder) {
        const answer = holder.leaderId === this.options.nodeId ? 'refused' : await askRelease(holder);
        if (answer === 'released') {
          method = 'released';
        } else {
          // Seeded defect promotion-revoke-wrong-lease: the revoke names the incumbent's fence where its
          // etcd lease id belongs, which etcd does not know (a no-op); the promotion then waits for the
          // key to go, which happens only when the incumbent's lease runs out.
          const wrongLease = this.options.defects.has('promotion-revoke-wrong-lease');
          await etcdOr503(() => this.store.revokeHolder(wrongLease ? { ...holder, etcdLeaseId: String(holder.fenceToken) } : holder, this.options.nodeId));
          if (wrongLease) await this.untilVacant(scope, this.holder.ttlMs + 1_000);
          method = 'revoked';
          this.log.warn("promotion: incumbent's lease revoked (operator override)", {
            scope,
            incumbent: holder.leaderId,
            fenceToken: holder.fenceToken,
            answer,
          });
        }
      }
      const result = await etcdOr503(() => this.store.tryAcquire(scope));
      if (result.acquired) {
        this.holder.adopt(result.lease, 'promoted');
        return { scope, ...(holder ? { previousLeaderId: holder.leaderId } : {}), ...resultOf(result.lease), method };
      }
      this.log.info('promotion: another node took the scope meanwhile; retrying', { scope, holder: result.holder?.leaderId });
    }
    throw new ControlError(409, `could not acquire ${scope}: ${lastHolder?.leaderId ?? 'another node'} kept taking it`);
  }

  /** Polls etcd until nobody holds `scope`, or `timeoutMs` passes. */
  private async untilVacant(scope: string, timeoutMs: number): Promise<void> {
    const deadline = clock.monotonic() + timeoutMs;
    while (clock.monotonic() < deadline && (await etcdOr503(() => this.store.readHolder(scope))) !== undefined) await sleep(100);
  }
}

async function etcdOr503<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new ControlError(503, `etcd unreachable: ${errorMessage(error)}`);
  }
}
