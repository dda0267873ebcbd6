// Faults on links routed through the fault proxy (Toxiproxy API, driven through toxiproxy-node-client):
// latency with jitter, bandwidth, resets and timeouts on every proxy a link target names (a region's
// client ingress, every proxied path of a region, or the paths between two regions).
// Each is a bounded window in the FaultLog; the heal removes exactly the toxics it added.
import type { ICreateToxicBody } from 'toxiproxy-node-client';
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import { clientLinkName } from '../../cluster/cluster';
import { attachJson } from '../../evidence/attach';
import type { Duration } from '../../duration';
import { describeLink, type LinkTarget } from '../../chaos/schedule';
import { pathsOf } from '../../chaos/link-paths';
import { crossRegionRoundTripComparison, crossRegionRoundTripProblems, describeRoundTripBound, type RoundTripBound } from '../../checks/cluster-views';
import { judge } from '../../checks/eventually';

/** A toxic as the Toxiproxy API names it, applied to both streams of each proxy. */
export interface ToxicSpec {
  readonly type: 'latency' | 'bandwidth' | 'reset_peer' | 'timeout';
  readonly attributes: Record<string, number>;
  /** Human words for the timeline and messages, e.g. `400 ms ± 50 ms latency`. */
  readonly describe: string;
}

export class LinkFaults {
  private serial = 0;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
  ) {}

  /** The proxies a target names: client ingress proxies, and peer proxies (region ↔ region paths). */
  private proxiesOf(target: LinkTarget) {
    const { cluster } = this.nodes;
    const proxy = cluster.proxy;
    const where = describeLink(target);
    if (!proxy)
      throw new Error(
        `topology "${cluster.topology.name}" routes no link through the fault proxy, so "${where}" has no proxied path; declare links in the topology`,
      );
    const clients = cluster.relayNodes
      .filter((n) => proxy.links.has(clientLinkName(n.id)))
      .map((n) => ({ name: clientLinkName(n.id), node: n.id, region: n.region }));
    const declared = cluster.topology.links.map((l) => `${l.from} → ${l.to}${l.bidirectional ? ' (both ways)' : ''}`).join(', ') || 'none';
    const links = pathsOf(target, { clients, peers: proxy.peers }, { name: cluster.topology.name, links: declared }).map((name) => proxy.link(name));
    return { proxy, links, where };
  }

  /** Adds `toxic` on every proxy `target` names (both directions) for `duration`. */
  async degrade(target: LinkTarget, toxic: ToxicSpec, duration: Duration): Promise<void> {
    const { proxy, links, where } = this.proxiesOf(target);
    const name = `${toxic.type}-${++this.serial}`;
    await this.ctx.faults.inject(
      `${toxic.describe} (${proxy.flavour})`,
      { kind: 'link', where },
      async () => {
        const added = await Promise.all(
          links.flatMap((l) =>
            (['downstream', 'upstream'] as const).map((stream) =>
              l.proxy
                .addToxic({ name: `${name}-${stream}`, type: toxic.type, stream, toxicity: 1, attributes: toxic.attributes } as ICreateToxicBody<unknown>)
                .then((t) => ({ proxy: l.name, toxic: t.toJson() })),
            ),
          ),
        );
        await attachJson(this.ctx.evidence, `toxics-${name}`, { flavour: proxy.flavour, target: where, added });
      },
      async () => {
        await Promise.all(
          links.flatMap((l) =>
            (['downstream', 'upstream'] as const).map((stream) =>
              // A toxic already gone (the proxy was reset or removed) is healed; anything else is an error.
              l.proxy
                .getToxic(`${name}-${stream}`)
                .then((t) => t.remove())
                .catch((e: Error) => {
                  if (!/status code 404/.test(e.message)) throw e;
                }),
            ),
          ),
        );
      },
      duration.ms,
    );
  }

  /**
   * Every node of either region last measured, by its own gossip exchanges, a round trip to every node
   * of the other that meets `bound`: what the gossip saw of the link between them.
   */
  async expectCrossRegionRoundTrips(regions: readonly [string, string], bound: RoundTripBound, within: Duration): Promise<void> {
    const topology = this.nodes.cluster.topology;
    const words = describeRoundTripBound(bound);
    await this.ctx.verdicts
      .within(
        `every gossip round trip measured between "${regions[0]}" and "${regions[1]}" is ${words}`,
        () => this.nodes.peerViews(),
        (v) => judge(crossRegionRoundTripProblems(topology, v, regions, bound), crossRegionRoundTripComparison(topology, v, regions, bound)),
        { timeoutMs: within.ms },
      )
      .finally(async () => {
        const views = await this.nodes.peerViews().catch(() => new Map());
        await attachJson(
          this.ctx.evidence,
          `gossip-round-trips-${words.replaceAll(' ', '-')}`,
          crossRegionRoundTripComparison(topology, views, regions, bound).actual,
        );
      });
  }
}
