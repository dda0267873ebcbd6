// Seeded defects: each one makes the node misbehave deterministically, so the sensitivity run can
// prove that the scenario tagged `@catches:<name>` fails against it. The suite lists them from here.
export const DEFECTS = {
  'eligibility-inverted': 'Campaigns for exactly the scopes it is NOT eligible for among `global-control` and `region/<its region>`.',
  'gossip-silent': 'Never sends gossip and answers gossip requests with 503: peers never see it Alive. Otherwise healthy and ready.',
  'misroute-rpc': "Forwards RPCs without Rpc-Shard-Key over plain HTTP to the first seed peer and relays that peer's answer (X-Mesh-Node names the peer).",
  'slow-campaign': 'Waits 4 x the lease TTL after a scope it saw held becomes vacant before campaigning for it (bootstrap is unaffected).',
  'no-release-on-shutdown': 'SIGTERM exits without releasing held leases: the next holder waits for the lease to expire.',
  'term-reuse': 'An acquisition writes the previous term instead of term + 1 (at least 1): terms stop increasing.',
  'campaign-once': 'Never campaigns again for a scope once it has observed another node holding it.',
  'no-step-down': 'Keeps reporting and acting as holder when it can no longer renew (extends its expiry locally on each failed renewal).',
  'leader-without-quorum': 'When etcd has been unreachable for more than one election interval, declares itself leader of its campaign scopes.',
  'leader-needs-every-etcd-member':
    'After each renewal the holder asks every etcd member for its status and steps down if any does not answer, though etcd needs only a majority: it gives up a lease it could keep.',
  'sequence-cached': 'The global leader hands out sequence numbers from an in-memory counter it never persists: the next leader repeats them.',
  'sequence-resume-repeats-last':
    "A new global leader's first sequence number is the persisted value itself (read as the next free number), though it was the last one handed out: one repeat per failover.",
  'forward-to-first-leader': 'Calls that need the global leader are forwarded to the first global leader the node ever saw, not to the current one.',
  'promotion-unfenced': "Promotion overwrites the lease key in place with the incumbent's fence and term (no release or revoke): fences do not increase.",
  'promotion-revoke-wrong-lease':
    "Promotion revokes a lease id etcd does not know (the incumbent's fence where its lease id belongs), then waits for the incumbent's lease to run out, and still reports the method revoked.",
  'accept-expired-certificates': 'Gossip accepts a peer certificate whose only fault is that it has expired (other verification errors are still refused).',
  'expiry-checked-only-at-handshake':
    'Gossip checks peer certificate expiry only at the TLS handshake: a certificate that runs out on an open keep-alive connection stays accepted.',
  'forward-error-not-retryable':
    'A call this node could not forward to the global leader (timeout, reset) is answered InvalidArgument (400) instead of Unavailable (503): clients do not retry it.',
  'gossip-left-forever':
    'Once this node has marked a member Left, it ignores all news of it (direct or gossiped): after a partition heals, that member stays Left in its view.',
  'stale-shard-map':
    'Takes a newer shard map only when it places shards on a node the current one does not (a node joined): a move among the same nodes is never taken, so it keeps routing, serving and reporting the older version.',
  'shard-map-ignores-others-moves':
    'A polled shard map is taken only when it changes a record this node owns or replicates: a node uninvolved in a move keeps routing by its older map.',
  'ack-before-replication': 'The shard owner acknowledges a write once applied locally and replicates it in the background about a second later.',
  'replicate-skips-first-replica':
    "The shard owner reads the record's replica list as if it began with the owner and never sends to its first replica, the one a failover promotes.",
  'drop-inflight-on-move': 'When a shard moves away, calls for it still in flight on the old owner are cut off (connection destroyed) instead of finishing.',
  'held-calls-refused-after-handover':
    'Calls held on the old owner while it hands a shard over are answered 503 (not applied) afterwards instead of being passed on to the new owner.',
  'replica-never-catches-up': 'A replica that falls behind (log gap or new fence) never fetches a snapshot: it applies whatever arrives on top of what it has.',
  'catch-up-skips-triggering-entry':
    'A replica that catches up from a snapshot answers 200 for the entry that made it catch up without applying it: it stays one entry behind.',
  'drain-acks-inflight': 'On drain, answers write calls still in flight 200 at once (as if done) and abandons them.',
  'drain-hands-over-early-snapshot':
    'On drain, snapshots the shards it serves at once and later hands over those copies: writes in flight when the drain started are acknowledged but missing on the new owner.',
  'kv-stale-read': 'The shard owner serves reads from its local copy without confirming with its replicas that it still owns the shard.',
  'read-barrier-ignores-unreachable':
    "A read barrier fails only on a replica's refusal: replicas that do not answer are taken as consent, so a cut-off owner serves reads from its stale copy.",
  'geo-ignores-latency': "Geo-affinity routing always sends a client's calls to its home region, however slow that region has become.",
  'geo-latency-averages-all-samples':
    'Geo-affinity latency estimates are the mean of every sample since start instead of a moving average: a region that was fast for long takes minutes to count as slow.',
  'pressure-not-propagated':
    "The node never publishes its backpressure in gossip metadata (it still refuses over-budget calls locally): other regions' ingress never throttles for it.",
  'pressure-label-omits-node-budget':
    'The gossip pressure label always says the node budget is ok: an owner out of node budget is published under pressure naming no shard, so no ingress sheds for it.',
  'hidden-counter-reset':
    'Reports as process_start_time_seconds the first start recorded in /tmp/relay-started-at, which survives a container restart, so a scraper cannot tell that counters restarted from 0.',
  'start-time-reads-boot-time':
    "Reports as process_start_time_seconds the start read from /proc with the stat field off by one, i.e. the machine's boot time: restarts are invisible to a scraper.",
} as const satisfies Record<string, string>;

export type DefectName = keyof typeof DEFECTS;

export const DEFECT_NAMES = Object.keys(DEFECTS) as DefectName[];

export function isDefectName(name: string): name is DefectName {
  return Object.hasOwn(DEFECTS, name);
}

/** Parses a comma list; throws with the list of known names on anything unknown. */
export function parseDefects(raw: string | undefined): ReadonlySet<DefectName> {
  const names = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const unknown = names.filter((name) => !isDefectName(name));
  if (unknown.length > 0) {
    throw new Error(`RELAY_DEFECT: unknown defect(s) ${unknown.join(', ')}; known defects: ${DEFECT_NAMES.join(', ')}`);
  }
  return new Set(names as DefectName[]);
}

/**
 * The seeded defects a component was built with. Every component takes them the same way (a
 * `defects` option) and asks `defects.has('<name>')` where the misbehaviour lives, so one search for
 * a defect's name finds all of its code.
 */
export type Defects = ReadonlySet<DefectName>;

export const NO_DEFECTS: Defects = new Set<DefectName>();

/** `defects` for a component built with these seeded (tests, mostly); none gives NO_DEFECTS. */
export function seeded(...names: DefectName[]): Defects {
  return names.length === 0 ? NO_DEFECTS : new Set(names);
}
