// Serves `sequence::next` on the holder of `global-control` (see sequence.ts for the transaction).
// Calls for one name are serialized in-process, so retries only happen when another node moved
// the sequence (which means this node has been deposed, or is about to find out).
import type { DefectName } from '../defects';
import type { EtcdClient } from '../leadership/etcd-client';
import type { LeadershipService } from '../leadership/leadership';
import type { HeldLease } from '../leadership/lease-store';
import { GLOBAL_SCOPE } from '../leadership/scopes';
import type { Logger } from '../log';
import { RpcError } from '../rpc/status';
import { buildSequenceTxn, classifySequenceFailure, decodeSequence, type SequenceRead, sequenceKey } from './sequence';

export interface SequenceValue {
  value: number;
  leaderId: string;
  term: number;
  fenceToken: number;
}

const ATTEMPTS = 4;
export class SequenceService {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Last value this node wrote, per name and fence: saves the read before the next transaction. */
  private readonly known = new Map<string, SequenceRead & { fenceToken: number }>();
  /** Seeded defect sequence-cached: the in-memory counter. */
  private readonly cache = new Map<string, { fenceToken: number; value: number }>();

  constructor(
    private readonly etcd: EtcdClient,
    private readonly leadership: LeadershipService,
    private readonly log: Logger,
    private readonly defects: ReadonlySet<DefectName> = new Set(),
  ) {}

  next(name: string): Promise<SequenceValue> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.serve(name));
    this.queues.set(name, run);
    void run
      .finally(() => {
        if (this.queues.get(name) === run) this.queues.delete(name);
      })
      .catch(() => undefined);
    return run;
  }

  private async serve(name: string): Promise<SequenceValue> {
    const lease = this.leadership.holds(GLOBAL_SCOPE);
    if (!lease) throw new RpcError('Unavailable', `${this.leadership.nodeId} does not hold ${GLOBAL_SCOPE}`);
    const value = this.defects.has('sequence-cached') ? await this.serveCached(name, lease) : await this.serveFenced(name, lease);
    return { value, leaderId: lease.leaderId, term: lease.term, fenceToken: lease.fenceToken };
  }

  private async serveFenced(name: string, lease: HeldLease): Promise<number> {
    const known = this.known.get(name);
    const current = known?.fenceToken === lease.fenceToken ? known : undefined;
    // No value written under this fence yet (a new leader, or one that was deposed): read etcd.
    const resumed = current === undefined;
    let read: SequenceRead = current ?? (await this.etcdCall(() => this.read(name)));
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const result = await this.etcdCall(() => this.etcd.txn(buildSequenceTxn(name, lease.fenceToken, read)));
      if (result.succeeded) {
        const persisted = read.value + 1;
        this.known.set(name, { value: persisted, modRevision: result.revision, fenceToken: lease.fenceToken });
        // Seeded defect sequence-resume-repeats-last: the first number under a new fence is taken to be
        // the stored value (read as "next free"), though the stored value is the last one handed out.
        if (resumed && attempt === 0 && this.defects.has('sequence-resume-repeats-last')) return read.value;
        return persisted;
      }
      const failure = classifySequenceFailure(lease.fenceToken, result.responses);
      if (failure.kind === 'deposed') {
        this.known.delete(name);
        this.log.warn('sequence: fence check failed, this node is deposed', { name, fenceToken: lease.fenceToken, holder: failure.holder });
        this.leadership.deposed(lease, failure.holder ? 'superseded' : 'revoked');
        throw notLeader(lease);
      }
      read = failure.current;
      const still = this.leadership.holds(GLOBAL_SCOPE);
      if (still?.fenceToken !== lease.fenceToken) throw notLeader(lease);
    }
    throw new RpcError('Unavailable', `sequence ${name}: too much contention, try again`);
  }

  /**
   * Seeded defect sequence-cached: numbers from a counter loaded when the lease was taken and never
   * persisted, so every failover hands out the same numbers again (deterministically, once any were served).
   */
  private async serveCached(name: string, lease: HeldLease): Promise<number> {
    let entry = this.cache.get(name);
    if (!entry || entry.fenceToken !== lease.fenceToken) {
      const read = await this.etcdCall(() => this.read(name));
      entry = { fenceToken: lease.fenceToken, value: read.value };
      this.cache.set(name, entry);
    }
    entry.value += 1;
    return entry.value;
  }

  private async read(name: string): Promise<SequenceRead> {
    const { kvs } = await this.etcd.range(sequenceKey(name));
    return decodeSequence(kvs[0]);
  }

  private async etcdCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new RpcError('Unavailable', `etcd unreachable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function notLeader(lease: HeldLease): RpcError {
  return new RpcError('Unavailable', `not the current leader (fence ${lease.fenceToken})`);
}
