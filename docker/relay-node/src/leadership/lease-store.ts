// OmniRelay lease semantics on etcd.
//   /omnirelay/leases/<scope>   {leaderId, term, issuedAt}, attached to the holder's etcd lease
//   /omnirelay/terms/<scope>    term counter (plain key)
//   /omnirelay/released/<scope> {leaderId, term, fenceToken, releasedAt} of the last clean release
// Acquisition is one transaction guarded by "lease key absent" and "term unchanged since read",
// so two candidates can never both win; the fence token is the lease key's create_revision,
// which etcd assigns and which only grows. Only a side that reaches an etcd majority can commit.
import type { EtcdClient, KeyValue } from "./etcd-client";
import { leaseKey, LEASES_PREFIX, releasedKey, termKey } from "./scopes";

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

/** A lease this node holds. `expiresAtMs` is a conservative local deadline (see renew). */
export interface HeldLease extends StoredLease {
  expiresAtMs: number;
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

export class EtcdLeaseStore {
  constructor(
    private readonly etcd: EtcdClient,
    private readonly nodeId: string,
    private readonly ttlSeconds: number,
  ) {}

  async tryAcquire(scope: string): Promise<AcquireResult> {
    // One round trip reads both the holder and the term counter.
    const read = await this.etcd.txn({ compare: [], success: [{ range: { key: leaseKey(scope) } }, { range: { key: termKey(scope) } }] });
    const holderKv = rangeKv(read.responses[0]);
    if (holderKv) return { acquired: false, holder: decodeStored(scope, holderKv) };
    const termKv = rangeKv(read.responses[1]);
    const currentTerm = termKv ? Number.parseInt(termKv.value, 10) || 0 : 0;

    // Measured before the grant is sent, so the local deadline is never later than etcd's.
    const grantedAtMs = Date.now();
    const grant = await this.etcd.leaseGrant(this.ttlSeconds);
    const value: LeaseValue = { leaderId: this.nodeId, term: currentTerm + 1, issuedAt: new Date().toISOString() };
    let result;
    try {
      result = await this.etcd.txn({
        compare: [
          { key: leaseKey(scope), target: "CREATE", result: "EQUAL", value: 0 },
          termKv
            ? { key: termKey(scope), target: "MOD", result: "EQUAL", value: termKv.modRevision }
            : { key: termKey(scope), target: "VERSION", result: "EQUAL", value: 0 },
        ],
        success: [
          { put: { key: termKey(scope), value: String(value.term) } },
          { put: { key: leaseKey(scope), value: JSON.stringify(value), lease: grant.id } },
        ],
        failure: [{ range: { key: leaseKey(scope) } }],
      });
    } catch (error) {
      void this.etcd.leaseRevoke(grant.id).catch(() => undefined);
      throw error;
    }
    if (!result.succeeded) {
      void this.etcd.leaseRevoke(grant.id).catch(() => undefined);
      const kv = rangeKv(result.responses[0]);
      return { acquired: false, holder: kv ? decodeStored(scope, kv) : undefined };
    }
    return {
      acquired: true,
      lease: {
        scope,
        ...value,
        // Both puts commit at the transaction's revision, which is the lease key's create_revision.
        fenceToken: result.revision,
        etcdLeaseId: grant.id,
        expiresAtMs: grantedAtMs + grant.ttlSeconds * 1000,
      },
    };
  }

  /**
   * One keep-alive. On success returns the new conservative local deadline (measured from when
   * the request was sent); returns undefined when etcd says the lease no longer exists.
   */
  async renew(lease: HeldLease): Promise<number | undefined> {
    const sentAtMs = Date.now();
    const ttl = await this.etcd.leaseKeepAliveOnce(lease.etcdLeaseId);
    return ttl > 0 ? sentAtMs + ttl * 1000 : undefined;
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
      releasedAt: new Date().toISOString(),
    };
    const result = await this.etcd.txn({
      compare: [{ key: leaseKey(lease.scope), target: "CREATE", result: "EQUAL", value: lease.fenceToken }],
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
    const kv = kvs[0];
    if (!kv) return undefined;
    try {
      return JSON.parse(kv.value) as ReleaseMarker;
    } catch {
      return undefined;
    }
  }
}

function rangeKv(result: { kind: string; kvs?: KeyValue[] } | undefined): KeyValue | undefined {
  return result && result.kind === "range" ? result.kvs?.[0] : undefined;
}

function decodeStored(scope: string, kv: KeyValue): StoredLease {
  let value: Partial<LeaseValue> = {};
  try {
    value = JSON.parse(kv.value) as Partial<LeaseValue>;
  } catch {
    // A foreign writer; report what we can rather than failing the whole observation.
  }
  return {
    scope,
    leaderId: typeof value.leaderId === "string" ? value.leaderId : "",
    term: typeof value.term === "number" ? value.term : 0,
    fenceToken: kv.createRevision,
    issuedAt: typeof value.issuedAt === "string" ? value.issuedAt : "",
    etcdLeaseId: kv.lease,
  };
}
