// `npm run bench -- --only=overload`: cross-region backpressure figures on GlobalLeaderWithTwoRegions with
// a node budget (RELAY_NODE_QPS_BUDGET) on every node. Clients enter through east and write to one shard
// owned in west, as in BackpressurePropagation_CrossRegion, without client retries:
//   - propagation: closed-loop clients saturate the owner; from the first 429 the owner answers (relayed
//     through east) to the first call east's ingress sheds itself: how long the news took to cross;
//   - goodput: open-loop calls at 100 % and then 150 % of the budget, each after the pressure has
//     cleared: acknowledged calls per second at both, and their ratio (1.0: overload costs nothing;
//     below: shedding or queueing wastes capacity).
import type { Cluster } from '../../cluster/cluster';
import { eventually, judge } from '../../checks/eventually';
import { pressureSeenProblems } from '../../checks/backpressure';
import { firstShardOwnedBy } from '../../checks/shard-views';
import { LoadDriver, type LoadSummary } from '../../fabric/load-driver';
import { Traffic } from '../../fabric/traffic';

export interface OverloadOptions {
  readonly budgetQps: number;
  /** Seconds per goodput run. */
  readonly seconds: number;
  readonly say: (line: string) => void;
}

export interface OverloadFigures {
  shardId: string;
  owner: string;
  /** Owner's first refusal to east's first shed call, ms; undefined when east never shed. */
  propagationMs: number | undefined;
  goodput: { atBudget: GoodputRun; overBudget: GoodputRun };
}

export interface GoodputRun {
  offeredRps: number;
  okRps: number;
  /** Calls shed by east's ingress, and refused by the owner. */
  shedAtIngress: number;
  refusedByOwner: number;
}

const PROCEDURE = 'kv::set';

export async function overloadFigures(cluster: Cluster, o: OverloadOptions): Promise<OverloadFigures> {
  const east = cluster.relayNodesIn('east');
  const west = new Set(cluster.relayNodesIn('west').map((n) => n.id));
  const map = await east[0]!.shards();
  const record = firstShardOwnedBy(map, west);
  if (!record) throw new Error(`no shard of map version ${map.version} is owned in west`);
  const { shardId, ownerNodeId: owner } = record;
  o.say(`overload: ${shardId} owned by ${owner}, node budget ${o.budgetQps} calls/s, clients through ${east.map((n) => n.id).join(', ')}`);
  const traffic = Traffic.parse(
    {
      name: 'overload',
      description: `writes to ${shardId}`,
      ops: [{ procedure: PROCEDURE, shardKey: shardId, body: { key: 'bench-{client}', value: '{uid}' } }],
    },
    'bench overload traffic',
  );
  const drive = (clients: number, seconds: number, targetRps?: number) =>
    new LoadDriver({
      peers: east.map((n) => ({ id: n.id, baseUrl: n.url })),
      traffic,
      clients,
      durationMs: seconds * 1000,
      callTimeoutMs: 10_000,
      ...(targetRps ? { targetRps } : {}),
      log: o.say,
      progressEveryMs: 2_000,
    }).run();
  const eastIds = east.map((n) => n.id);
  const shedBy = (s: LoadSummary) => eastIds.reduce((n, id) => n + (s.throttled.byNode[id] ?? 0), 0);
  const calm = () =>
    eventually(
      `${owner} and every node's view of it are calm`,
      () => Promise.all(cluster.relayNodes.map((n) => n.pressure())),
      (views) => judge(pressureSeenProblems(views)),
      { timeoutMs: 30_000 },
    );

  // Closed loop, enough clients to queue more than the owner's 2 s of budget: it must refuse.
  const saturating = await drive(Math.max(20, o.budgetQps * 4), 8);
  const refusedAt = saturating.throttled.firstAtMsByNode[owner];
  const shedAt = Math.min(...eastIds.map((id) => saturating.throttled.firstAtMsByNode[id] ?? Infinity));
  const propagationMs = refusedAt !== undefined && Number.isFinite(shedAt) ? Math.round(shedAt - refusedAt) : undefined;
  o.say(`overload: first refusal by ${owner} at ${refusedAt ?? '-'} ms, first shed in east at ${Number.isFinite(shedAt) ? shedAt : '-'} ms`);

  const goodput = async (share: number): Promise<GoodputRun> => {
    await calm();
    const offeredRps = o.budgetQps * share;
    // Open loop: clients enough for every call to wait out the owner's queue (2 s) without slowing the offer.
    const s = await drive(Math.ceil(offeredRps * 3), o.seconds, offeredRps);
    const run = { offeredRps, okRps: s.okRps, shedAtIngress: shedBy(s), refusedByOwner: s.throttled.byNode[owner] ?? 0 };
    o.say(`overload: offered ${offeredRps}/s → ${s.okRps} ok/s (shed in east ${run.shedAtIngress}, refused by ${owner} ${run.refusedByOwner})`);
    return run;
  };
  const atBudget = await goodput(1);
  const overBudget = await goodput(1.5);
  return { shardId, owner, propagationMs, goodput: { atBudget, overBudget } };
}
