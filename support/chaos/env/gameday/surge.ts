// Membership surge in the chaos environment: N extra relay nodes join a region one at a time, with the
// environment's own environment contract (relayNodeEnv) and CA, stay for the window, then leave the same
// way (SIGTERM: each drains and hands its shards over) and are removed. Labelled as the environment's, so
// `chaos:down` and `chaos -- heal` remove any a killed CLI left.
import type { Topology } from '../../../../topologies';
import { docker } from '../../../cluster/engine';
import { LABEL } from '../../../cluster/labels';
import { OTLP_ENDPOINT } from '../../../cluster/otlp-receiver';
import { relayNodeEnv } from '../../../cluster/specs';
import { CHAOS_PROJECT, chaosImage, CONTROL_ALIAS, CONTROL_PORT } from '../compose';
import { bootstrapToken, type ChaosEnvironment } from '../environment';
import type { GameDayFault } from './requests';

/** Label on surge nodes: `chaos -- heal` removes them. */
export const SURGE_LABEL = 'omnirelay.hyperscale.surge';

type Surge = Extract<GameDayFault, { kind: 'membership surge' }>;

export class MembershipSurge {
  private readonly joined: string[] = [];

  constructor(
    private readonly env: ChaosEnvironment,
    private readonly topology: Topology,
    private readonly surge: Surge,
    private readonly log: (line: string) => void,
  ) {}

  async join(): Promise<void> {
    const token = await bootstrapToken(this.env);
    const taken = new Set(this.topology.nodes.map((n) => n.id));
    for (let k = 1; this.joined.length < this.surge.count; k++) {
      const id = `${this.surge.region}-surge-${k}`;
      if (taken.has(id)) continue;
      if (this.joined.length > 0) await sleep(this.surge.everyMs);
      const env = relayNodeEnv(
        this.topology,
        { id, region: this.surge.region, role: 'replica', mode: 'InProc', eligible: [] },
        {
          bootstrapUrl: `http://${CONTROL_ALIAS}:${CONTROL_PORT}`,
          bootstrapToken: token,
          otlpEndpoint: OTLP_ENDPOINT,
        },
      );
      const container = await docker().createContainer({
        name: `${CHAOS_PROJECT}_${id}`,
        Image: chaosImage('relay-node'),
        Hostname: id,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Labels: { [LABEL.suite]: 'true', [LABEL.chaos]: CHAOS_PROJECT, [LABEL.node]: id, [LABEL.service]: 'relay-node', [SURGE_LABEL]: 'true' },
        HostConfig: { NetworkMode: this.env.network },
        NetworkingConfig: { EndpointsConfig: { [this.env.network]: { Aliases: [id] } } },
      });
      await container.start();
      this.joined.push(id);
      this.log(`  surge: ${id} joined region ${this.surge.region} (${this.joined.length}/${this.surge.count})`);
    }
  }

  /** Each joined node leaves gracefully (bounded), then its container is removed. */
  async leave(): Promise<void> {
    for (const [i, id] of [...this.joined].reverse().entries()) {
      if (i > 0) await sleep(this.surge.everyMs);
      const c = docker().getContainer(`${CHAOS_PROJECT}_${id}`);
      await c.stop({ t: 10 }).catch(() => undefined);
      await c.remove({ force: true, v: true }).catch(() => undefined);
      this.log(`  surge: ${id} left`);
    }
    this.joined.length = 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
