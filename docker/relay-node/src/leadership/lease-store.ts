// OmniRelay lease semantics on etcd.
//   /omnirelay/leases/<scope>   {leaderId, term, issuedAt}, attached to the holder's etcd lease
//   /omnirelay/terms/<scope>    term counter (plain key)
//   /omnirelay/released/<scope> {leaderId, term, fenceToken, releasedAt} of the last clean release
//   /omnirelay/revoked/<scope>  {leaderId, term, fenceToken, revokedAt, revokedBy} of the last operator override
// Acquisition is one transaction guarded by "lease key absent" and "term unchanged since read",
// so two candidates can never both win; the fence token is the lease key's create_revision,
// which etcd assigns and which only grows. Only a side that reaches an etcd majority can commit.
import type { EtcdClient, KeyValue } from './etcd-client';
import type { Defects } from '../defects';
import { leaseKey, LEASES_PREFIX, releasedKey, revokedKey, termKey } from './scopes';
import { clock } from '../clock';
import { leaseClock, type LeaseClock } from './lease-clock';
import { DEFAULT_LEASE_TTL_MS } from '../config';

interface LeaseValue {
  leaderId: string;
  term: number;
  issuedAt: string;
}

/** A lease as stored in etcd. */
export interface StoredLease {
  scope: string;
  leaderId: string;
  term: number;
  fenceToken: number;
  issuedAt: string;
  etcdLeaseId: string;
}

/** A lease this node holds. `expiresAtMs` is a conservative local deadline on the store's LeaseClock (see renew). */
export interface HeldLease extends StoredLease {
  expiresAtMs: number;
  /** Seeded defect leader-without-quorum: a lease this node declared without etcd (no etcd lease behind it). */
  selfDeclared?: boolean;
}

export type AcquireResult = { acquired: true; lease: HeldLease } | { acquired: false; holder: StoredLease | undefined };

export interface ObservedLease extends StoredLease {
  /** Remaining etcd TTL in ms (whole seconds in etcd); 0 when the lease just ran out. */
  remainingMs: number;
}

export interface ReleaseMarker {
  leaderId: string;
  term: number;
  fenceToken: number;
  releasedAt: string;
}

export interface RevocationMarker {
  leaderId: string;
  term: number;
  fenceToken: number;
  revokedAt: string;
  revokedBy: string;
}

export interface LeaseStoreOptions {
  /** term-reuse acts here: an acquisition writes the previous term (at least 1) instead of term + 1. */
  defects?: Defects;
  /** What held leases' deadlines are timed on (default: the monotonic clock; see lease-clock.ts). */
  clock?: LeaseClock;
}

export class EtcdLeaseStore {
  /** Held leases' deadlines are on this clock; the holder reads it through the store, so both agree. */
  readonly clock: LeaseClock;

  constructor(
    private readonly etcd: EtcdClient,
    private readonly nodeId: string,
    private readonly ttlSeconds: number,
    private readonly options: LeaseStoreOptions = {},
  ) {
    this.clock = options.clock ?? leaseClock(options.defects);
  }

  /** The TTL asked of etcd; seeded defect lease-ttl-floor never asks less than the default. */
  private get grantSeconds(): number {
    return this.options.defects?.has('lease-ttl-floor') ? Math.max(this.ttlSeconds, DEFAULT_LEASE_TTL_MS / 1000) : this.ttlSeconds;
  }

  async tryAcquire(scope: string): Promise<AcquireResult> {
    // One round trip reads both the holder and the term counter.
    const read = await this.etcd.txn({ compare: [], success: [{ range: { key: leaseKey(scope) } }, { range: { key: termKey(scope) } }] });
    const holderKv = rangeKv(read.responses[0]);
    if (holderKv) return { acquired: false, holder: decodeStored(scope, holderKv) };
    const termKv = rangeKv(read.responses[1]);
    const currentTerm = termKv ? Number.parseInt(termKv.value, 10) || 0 : 0;

    // Measured before the grant is sent, so the local deadline is never later than etcd's.
    const grantedAtMs = this.clock.now();
    const grant = await this.etcd.leaseGrant(this.grantSeconds);
    const term = this.options.defects?.has('term-reuse') ? Math.max(1, currentTerm) : currentTerm + 1;
    const value: LeaseValue = { leaderId: this.nodeId, term, issuedAt: clock.iso() };
    const held = (fenceToken: number): AcquireResult => ({
      acquired: true,
      // Both puts commit at the transaction's revision, which is the lease key's create_revision.
      lease: { scope, ...value, fenceToken, etcdLeaseId: grant.id, expiresAtMs: grantedAtMs + grant.ttlSeconds * 1000 },
    });
    let result;
    try {
      result = await this.etcd.txn({
        compare: [
          { key: leaseKey(scope), target: 'CREATE', result: 'EQUAL', value: 0 },
          termKv
            ? { key: termKey(scope), target: 'MOD', result: 'EQUAL', value: termKv.modRevision }
            : { key: termKey(scope), target: 'VERSION', result: 'EQUAL', value: 0 },
        ],
        success: [
          { put: { key: termKey(scope), value: String(value.term) } },
          { put: { key: leaseKey(scope), value: JSON.stringify(value), lease: grant.id } },
        ],
        failure: [{ range: { key: leaseKey(scope) } }],
      });
    } catch (error) {
      // The outcome is unknown: a timed-out attempt may still have committed. Look before giving up.
      const kv = await this.etcd.range(leaseKey(scope)).then(
        (read) => read.kvs[0],
        () => undefined,
      );
      if (kv?.lease === grant.id) return held(kv.createRevision);
      void this.etcd.leaseRevoke(grant.id).catch(() => undefined);
      throw error;
    }
    if (!result.succeeded) {
      const kv = rangeKv(result.responses[0]);
      // The client retries a timed-out call on the next endpoint; when the first attempt committed, the
      // retry's compare fails against our own key. Revoking the grant then would delete a lease we won
      // while the cluster already saw us hold it.
      if (kv?.lease === grant.id) return held(kv.createRevision);
      void this.etcd.leaseRevoke(grant.id).catch(() => undefined);
      return { acquired: false, holder: kv ? decodeStored(scope, kv) : undefined };
    }
    return held(result.revision);
  }

  /** etcd members that do not answer right now (seeded defect leader-needs-every-etcd-member). */
  unreachableMembers(): Promise<string[]> {
    return this.etcd.unreachableEndpoints();
  }

  /**
   * One keep-alive. On success returns the new conservative local deadline; returns undefined when
   * etcd says the lease no longer exists. After the keep-alive, a linearizable read confirms that the
   * key still carries this fence and lease. The read matters: etcd answers keep-alives from its leader's memory without a
   * quorum round, so a deposed etcd leader cut off with this node can "renew" a lease the majority has
   * already expired (seen as split brain under a flapping network). A linearizable read cannot be
   * served without a quorum. The expiry counts from before the keep-alive was sent.
   */
  async renew(lease: HeldLease): Promise<number | undefined> {
    const sentAtMs = this.clock.now();
    const ttl = await this.etcd.leaseKeepAliveOnce(lease.etcdLeaseId);
    if (!(ttl > 0)) return undefined;
    const { kvs } = await this.etcd.range(leaseKey(lease.scope));
    const kv = kvs[0];
    if (!kv || kv.createRevision !== lease.fenceToken || kv.lease !== lease.etcdLeaseId) return undefined;
    return sentAtMs + ttl * 1000;
  }

  /**
   * Releases only with the matching fence (a deposed holder cannot delete its successor's key),
   * leaves a release marker so observers can tell a release from an expiry, then revokes.
   */
  async release(lease: HeldLease): Promise<boolean> {
    const marker: ReleaseMarker = {
      leaderId: lease.leaderId,
      term: lease.term,
      fenceToken: lease.fenceToken,
      releasedAt: clock.iso(),
    };
    const result = await this.etcd.txn({
      compare: [{ key: leaseKey(lease.scope), target: 'CREATE', result: 'EQUAL', value: lease.fenceToken }],
      success: [{ delete: { key: leaseKey(lease.scope) } }, { put: { key: releasedKey(lease.scope), value: JSON.stringify(marker) } }],
    });
    await this.etcd.leaseRevoke(lease.etcdLeaseId).catch(() => undefined);
    return result.succeeded;
  }

  /** Drops a lease this node stopped acting on (its key goes with it, if still there). */
  async abandon(lease: HeldLease): Promise<void> {
    await this.etcd.leaseRevoke(lease.etcdLeaseId);
  }

  /** Every current lease with its remaining TTL, and the store revision of the read. */
  async observeAll(): Promise<{ leases: ObservedLease[]; revision: number }> {
    const { kvs, revision } = await this.etcd.range(LEASES_PREFIX, { prefix: true });
    const leases = await Promise.all(
      kvs.map(async (kv): Promise<ObservedLease> => {
        const stored = decodeStored(kv.key.slice(LEASES_PREFIX.length), kv);
        const { ttlSeconds } = await this.etcd.leaseTimeToLive(stored.etcdLeaseId);
        return { ...stored, remainingMs: Math.max(0, ttlSeconds) * 1000 };
      }),
    );
    return { leases, revision };
  }

  async releaseMarker(scope: string): Promise<ReleaseMarker | undefined> {
    const { kvs } = await this.etcd.range(releasedKey(scope));
    return parseJson<ReleaseMarker>(kvs[0]);
  }

  /** The last clean release and the last operator revocation of `scope`, in one read. */
  async endMarkers(scope: string): Promise<{ released?: ReleaseMarker; revoked?: RevocationMarker }> {
    const read = await this.etcd.txn({ compare: [], success: [{ range: { key: releasedKey(scope) } }, { range: { key: revokedKey(scope) } }] });
    const released = parseJson<ReleaseMarker>(rangeKv(read.responses[0]));
    const revoked = parseJson<RevocationMarker>(rangeKv(read.responses[1]));
    return { ...(released ? { released } : {}), ...(revoked ? { revoked } : {}) };
  }

  /** The current holder of `scope` as etcd has it now (not the observation cache). */
  async readHolder(scope: string): Promise<StoredLease | undefined> {
    const { kvs } = await this.etcd.range(leaseKey(scope));
    const kv = kvs[0];
    return kv ? decodeStored(scope, kv) : undefined;
  }

  /**
   * Operator override (promotion of another node): records who was revoked, guarded by the
   * holder's fence, then revokes the holder's etcd lease, which deletes the lease key with it.
   * Returns false when the lease was already gone.
   */
  async revokeHolder(holder: StoredLease, revokedBy: string): Promise<boolean> {
    const marker: RevocationMarker = {
      leaderId: holder.leaderId,
      term: holder.term,
      fenceToken: holder.fenceToken,
      revokedAt: clock.iso(),
      revokedBy,
    };
    await this.etcd.txn({
      compare: [{ key: leaseKey(holder.scope), target: 'CREATE', result: 'EQUAL', value: holder.fenceToken }],
      success: [{ put: { key: revokedKey(holder.scope), value: JSON.stringify(marker) } }],
    });
    return this.etcd.leaseRevoke(holder.etcdLeaseId);
  }

  /**
   * Seeded defect promotion-unfenced: rewrites the holder's lease key in place under this node's
   * name with the holder's term, attached to a new lease of this node. A put on an existing key keeps
   * its create_revision, so the fence does not change. Undefined when the key changed meanwhile.
   */
  async overwriteInPlace(holder: StoredLease): Promise<HeldLease | undefined> {
    const grantedAtMs = this.clock.now();
    const grant = await this.etcd.leaseGrant(this.grantSeconds);
    const value: LeaseValue = { leaderId: this.nodeId, term: holder.term, issuedAt: clock.iso() };
    const result = await this.etcd.txn({
      compare: [{ key: leaseKey(holder.scope), target: 'CREATE', result: 'EQUAL', value: holder.fenceToken }],
      success: [{ put: { key: leaseKey(holder.scope), value: JSON.stringify(value), lease: grant.id } }],
    });
    if (!result.succeeded) {
      void this.etcd.leaseRevoke(grant.id).catch(() => undefined);
      return undefined;
    }
    return {
      scope: holder.scope,
      ...value,
      fenceToken: holder.fenceToken,
      etcdLeaseId: grant.id,
      expiresAtMs: grantedAtMs + grant.ttlSeconds * 1000,
    };
  }
}

function parseJson<T>(kv: KeyValue | undefined): T | undefined {
  if (!kv) return undefined;
  try {
    return JSON.parse(kv.value) as T;
  } catch {
    return undefined;
  }
}

function rangeKv(result: { kind: string; kvs?: KeyValue[] } | undefined): KeyValue | undefined {
  return result && result.kind === 'range' ? result.kvs?.[0] : undefined;
}

export function decodeStored(scope: string, kv: KeyValue): StoredLease {
  let value: Partial<LeaseValue> = {};
  try {
    value = JSON.parse(kv.value) as Partial<LeaseValue>;
  } catch {
    // A foreign writer; report what we can rather than failing the whole observation.
  }
  return {
    scope,
    leaderId: typeof value.leaderId === 'string' ? value.leaderId : '',
    term: typeof value.term === 'number' ? value.term : 0,
    fenceToken: kv.createRevision,
    issuedAt: typeof value.issuedAt === 'string' ? value.issuedAt : '',
    etcdLeaseId: kv.lease,
  };
}
