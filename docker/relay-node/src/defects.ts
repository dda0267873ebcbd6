// Seeded defects: each one makes the node misbehave deterministically, so the sensitivity run can
// prove that the scenario tagged `@catches:<name>` fails against it. The suite lists them from here.
export const DEFECTS = {
  "eligibility-inverted":
    "Campaigns for exactly the scopes it is NOT eligible for among `global-control` and `region/<its region>`.",
  "gossip-silent":
    "Never sends gossip and answers gossip requests with 503: peers never see it Alive. Otherwise healthy and ready.",
  "misroute-rpc":
    "Forwards RPCs without Rpc-Shard-Key over plain HTTP to the first seed peer and relays that peer's answer (X-Mesh-Node names the peer).",
  "slow-campaign":
    "Waits 4 x the lease TTL after a scope it saw held becomes vacant before campaigning for it (bootstrap is unaffected).",
  "no-release-on-shutdown":
    "SIGTERM exits without releasing held leases: the next holder waits for the lease to expire.",
  "term-reuse":
    "An acquisition writes the previous term instead of term + 1 (at least 1): terms stop increasing.",
  "campaign-once":
    "Never campaigns again for a scope once it has observed another node holding it.",
  "no-step-down":
    "Keeps reporting and acting as holder when it can no longer renew (extends its expiry locally on each failed renewal).",
  "leader-without-quorum":
    "When etcd has been unreachable for more than one election interval, declares itself leader of its campaign scopes.",
  "sequence-cached":
    "The global leader hands out sequence numbers from an in-memory counter it never persists: the next leader repeats them.",
  "forward-to-first-leader":
    "Calls that need the global leader are forwarded to the first global leader the node ever saw, not to the current one.",
  "promotion-unfenced":
    "Promotion overwrites the lease key in place with the incumbent's fence and term (no release or revoke): fences do not increase.",
  "accept-expired-certificates":
    "Gossip accepts a peer certificate whose only fault is that it has expired (other verification errors are still refused).",
  "forward-error-not-retryable":
    "A call this node could not forward to the global leader (timeout, reset) is answered InvalidArgument (400) instead of Unavailable (503): clients do not retry it.",
  "gossip-left-forever":
    "Once this node has marked a member Left, it ignores all news of it (direct or gossiped): after a partition heals, that member stays Left in its view.",
  "stale-shard-map":
    "Reads the shard map once (the first version it sees) and never again: it keeps routing, serving and reporting that version.",
  "ack-before-replication":
    "The shard owner acknowledges a write once applied locally and replicates it in the background about a second later.",
  "drop-inflight-on-move":
    "When a shard moves away, calls for it still in flight on the old owner are cut off (connection destroyed) instead of finishing.",
  "replica-never-catches-up":
    "A replica that falls behind (log gap or new fence) never fetches a snapshot: it applies whatever arrives on top of what it has.",
  "drain-acks-inflight":
    "On drain, answers write calls still in flight 200 at once (as if done) and abandons them.",
  "kv-stale-read":
    "The shard owner serves reads from its local copy without confirming with its replicas that it still owns the shard.",
  "geo-ignores-latency":
    "Geo-affinity routing always sends a client's calls to its home region, however slow that region has become.",
  "pressure-not-propagated":
    "The node never publishes its backpressure in gossip metadata (it still refuses over-budget calls locally): other regions' ingress never throttles for it.",
  "hidden-counter-reset":
    "Reports as process_start_time_seconds the first start recorded in /tmp/relay-started-at, which survives a container restart, so a scraper cannot tell that counters restarted from 0.",
} as const satisfies Record<string, string>;

export type DefectName = keyof typeof DEFECTS;

export const DEFECT_NAMES = Object.keys(DEFECTS) as DefectName[];

export function isDefectName(name: string): name is DefectName {
  return Object.hasOwn(DEFECTS, name);
}

/** Parses a comma list; throws with the list of known names on anything unknown. */
export function parseDefects(raw: string | undefined): ReadonlySet<DefectName> {
  const names = (raw ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  const unknown = names.filter((name) => !isDefectName(name));
  if (unknown.length > 0) {
    throw new Error(`RELAY_DEFECT: unknown defect(s) ${unknown.join(", ")}; known defects: ${DEFECT_NAMES.join(", ")}`);
  }
  return new Set(names as DefectName[]);
}
