// Faults on links routed through the fault proxy (Toxiproxy API, driven through toxiproxy-node-client):
// latency with jitter, bandwidth, resets and timeouts on every proxy of a `clients → region` link.
// Each is a bounded window in the FaultLog; the heal removes exactly the toxics it added.
import type { ICreateToxicBody } from 'toxiproxy-node-client';
import type { HyperscaleWorld } from '../world';
import { clientLinkName } from '../cluster/cluster';
import { attachJson } from '../evidence/attach';
import type { Duration } from '../parameter-types';

/** A toxic as the Toxiproxy API names it, applied to both streams of each proxy. */
export interface ToxicSpec {
  readonly type: 'latency' | 'bandwidth' | 'reset_peer' | 'timeout';
  readonly attributes: Record<string, number>;
  /** Human words for the timeline and messages, e.g. `400 ms ± 50 ms latency`. */
  readonly describe: string;
}

export class LinkFaults {
  private serial = 0;

  constructor(private readonly world: HyperscaleWorld) {}

  /** The proxies of the `clients → region` link: one in front of each of the region's nodes. */
  private clientLink(region: string) {
    const proxy = this.world.cluster.proxy;
    if (!proxy) throw new Error(`topology "${this.world.cluster.topology.name}" routes no link through the fault proxy; declare \`links: [{from: clients, to: ${region}}]\``);
    const links = this.world.cluster.relayNodes.filter((n) => n.region === region).map((n) => proxy.link(clientLinkName(n.id)));
    if (links.length === 0) throw new Error(`region "${region}" has no relay nodes`);
    return { proxy, links };
  }

  /** Adds `toxic` on the `clients → region` link (both directions, every node's proxy) for `duration`. */
  async degradeClientLink(region: string, toxic: ToxicSpec, duration: Duration): Promise<void> {
    const { proxy, links } = this.clientLink(region);
    const name = `${toxic.type}-${++this.serial}`;
    await this.world.faults.inject(
      `${toxic.describe} (${proxy.flavour})`,
      `clients → region ${region}`,
      async () => {
        const added = await Promise.all(
          links.flatMap((l) =>
            (['downstream', 'upstream'] as const).map((stream) =>
              l.proxy.addToxic({ name: `${name}-${stream}`, type: toxic.type, stream, toxicity: 1, attributes: toxic.attributes } as ICreateToxicBody<unknown>).then((t) => ({ proxy: l.name, toxic: t.toJson() })),
            ),
          ),
        );
        await attachJson(this.world, `toxics-${name}`, { flavour: proxy.flavour, added });
      },
      async () => {
        await Promise.all(
          links.flatMap((l) =>
            (['downstream', 'upstream'] as const).map((stream) =>
              // A toxic already gone (the proxy was reset or removed) is healed; anything else is an error.
              l.proxy.getToxic(`${name}-${stream}`).then((t) => t.remove()).catch((e: Error) => {
                if (!/status code 404/.test(e.message)) throw e;
              }),
            ),
          ),
        );
      },
      duration.ms,
    );
  }
}
