// A game day against the running chaos environment, on the suite's own fault library: partitions, cuts and
// loss through NetworkFaults (iptables in each member's namespace, proven by probes) with the proxied
// region ↔ region paths cut alongside (cutProxiedPaths), toxics through the Toxiproxy API on the paths
// link-paths.ts selects for the scenarios too, node faults through the engine, certificates through the
// environment's CA. Each fault is registered with chaos-control (the `chaos_fault_active` gauge), bounded,
// and healed at its end, on Ctrl-C, or by `npm run chaos -- heal` after a killed CLI.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ICreateToxicBody } from 'toxiproxy-node-client';
import type { Topology } from '../../../../topologies';
import { docker } from '../../../cluster/engine';
import { planPeerLinks } from '../../../cluster/peer-links';
import { NodeClient } from '../../../fabric/node-client';
import { parseMember } from '../../../members';
import { readSettings } from '../../../settings';
import { resolveGroups } from '../../../tables';
import { chooseNetns, netnsExec } from '../../network/choose';
import { NetworkFaults } from '../../network/faults';
import { useNetns } from '../../network/netns';
import { impairedPairs } from '../../network/plan';
import { cutProxiedPaths } from '../../network/proxied';
import { bridge, majoritiesRing } from '../../network/shapes';
import type { PartitionSpec } from '../../network/types';
import { sideRows, type LinkTarget } from '../../schedule';
import { COMPOSE_FILE } from '../files';
import { CONTROL_URL, findEnvironment, serviceUrl, servicesOf, type ChaosEnvironment } from '../environment';
import { PROXY_API_PORT } from '../compose';
import type { FaultRequest, GameDayFault } from './requests';
import { ChaosProxy } from './chaos-proxy';
import { MembershipSurge } from './surge';
import { proxiedPathNames } from './targets';

/** A fault in effect: `heal()` ends it (idempotent). */
export interface ActiveFault {
  readonly request: FaultRequest;
  readonly target: string;
  heal(): Promise<void>;
}

/** Chains of the game day's iptables rules: `heal` after a killed CLI removes every chain with this prefix. */
export const CHAOS_CHAIN = 'OHS-CHAOS';
const NODE_FAULTS = new Set<GameDayFault['kind']>(['crash', 'leader kill', 'pause', 'restart', 'certificate expiry']);
/** How long past its window a registered fault still counts as active if nobody ends it (a killed CLI). */
const REGISTRY_GRACE_MS = 30_000;

export class GameDay {
  private readonly open = new Set<ActiveFault>();
  private readonly down = new Set<string>();
  private networkFaults: NetworkFaults | undefined;

  private constructor(
    readonly env: ChaosEnvironment,
    readonly topology: Topology,
    private readonly log: (line: string) => void,
    private readonly proxy: ChaosProxy | undefined,
  ) {}

  static async open(log: (line: string) => void): Promise<GameDay> {
    const env = await findEnvironment();
    const topology = topologyOf(env);
    const proxy = env.services.has('fault-proxy') ? new ChaosProxy(`http://127.0.0.1:${PROXY_API_PORT}`, planPeerLinks(topology)) : undefined;
    return new GameDay(env, topology, log, proxy);
  }

  /** Faults applied and not yet healed. */
  get active(): readonly ActiveFault[] {
    return [...this.open];
  }

  /** Applies `request` now; an error leaves nothing applied. */
  async start(request: FaultRequest): Promise<ActiveFault> {
    const { target, heal } = await this.apply(request.fault);
    // The gauge's `target` label: the node a node fault hit, else the request's own words.
    const registered = await this.register(request, NODE_FAULTS.has(request.fault.kind) ? target : request.target);
    let healing: Promise<void> | undefined;
    const active: ActiveFault = {
      request,
      target,
      heal: () =>
        (healing ??= (async () => {
          this.open.delete(active);
          await heal();
          if (registered !== undefined) await postJson(`${CONTROL_URL}/faults/${registered}/end`, {}).catch(() => undefined);
          this.log(`healed: ${request.text} (${target})`);
        })()),
    };
    this.open.add(active);
    this.log(`started: ${request.text} (${target}) for ${request.durationMs / 1000} s`);
    return active;
  }

  /** Heals every fault still open, in reverse order of their start. */
  async healAll(): Promise<void> {
    for (const f of [...this.open].reverse()) await f.heal().catch((e: Error) => this.log(`heal of ${f.request.text} failed: ${e.message}`));
  }

  private async register(request: FaultRequest, target: string): Promise<number | undefined> {
    const res = await postJson(`${CONTROL_URL}/faults`, { fault: request.fault.kind, target, boundMs: request.durationMs + REGISTRY_GRACE_MS }).catch(
      () => undefined,
    );
    return (res as { id?: number } | undefined)?.id;
  }

  private async apply(fault: GameDayFault): Promise<{ target: string; heal: () => Promise<void> }> {
    switch (fault.kind) {
      case 'crash':
        return this.crash(await this.resolveNode(fault.node));
      case 'leader kill':
        return this.crash(await this.holderOf(fault.scope));
      case 'pause': {
        const node = await this.resolveNode(fault.node);
        await this.container(node).pause();
        this.down.add(node);
        return {
          target: node,
          heal: async () => {
            await this.container(node).unpause();
            this.down.delete(node);
          },
        };
      }
      case 'restart': {
        const node = await this.resolveNode(fault.node);
        await this.container(node).restart({ t: 10 });
        return { target: node, heal: async () => void (await this.ensureRunning(node)) };
      }
      case 'certificate expiry':
        return this.expireCertificate(await this.resolveNode(fault.node));
      case 'partition':
      case 'loss':
      case 'one-way cut':
      case 'bridge':
      case 'majorities ring':
        return this.network(fault);
      case 'latency':
        return this.toxic(fault.link, { type: 'latency', attributes: { latency: fault.latencyMs, jitter: fault.jitterMs } });
      case 'bandwidth':
        return this.toxic(fault.link, { type: 'bandwidth', attributes: { rate: fault.kbPerSecond } });
      case 'resets':
        return this.toxic(fault.link, { type: 'reset_peer', attributes: { timeout: 0 } });
      case 'timeouts':
        return this.toxic(fault.link, { type: 'timeout', attributes: { timeout: 0 } });
      case 'clock':
        return this.skewClock(await this.resolveNode(fault.node), fault);
      case 'membership surge': {
        const surge = new MembershipSurge(this.env, this.topology, fault, this.log);
        await surge.join();
        return { target: `region ${fault.region}`, heal: () => surge.leave() };
      }
    }
  }

  // ── nodes ─────────────────────────────────────────────────────────────────────────────────────────
  private container(node: string) {
    const s = this.env.services.get(node);
    if (!s)
      throw new Error(
        `the chaos environment has no node "${node}"; nodes: ${servicesOf(this.env, 'relay-node')
          .map((n) => n.service)
          .join(', ')}`,
      );
    return docker().getContainer(s.containerId);
  }

  private async crash(node: string): Promise<{ target: string; heal: () => Promise<void> }> {
    await this.container(node).kill({ signal: 'SIGKILL' });
    this.down.add(node);
    return {
      target: node,
      heal: async () => {
        await this.ensureRunning(node);
        this.down.delete(node);
      },
    };
  }

  private async ensureRunning(node: string): Promise<void> {
    const c = this.container(node);
    if (!(await c.inspect()).State.Running) await c.start();
  }

  /** A node phrase as the scenarios use it: an id, the global leader, the owner of a shard. */
  async resolveNode(phrase: string): Promise<string> {
    const member = parseMember(phrase);
    if (!member) throw new Error(`"${phrase}" names no node; use a node id ("east-1"), "the global leader" or "the owner of shard-07"`);
    if (member.kind === 'id') {
      this.container(member.id);
      return member.id;
    }
    if (member.kind === 'global leader') return this.holderOf('global-control');
    if (member.kind === 'owner') {
      const map = await this.anyNode((c) => c.shards());
      const owner = map.items.find((r) => r.shardId === member.shard)?.ownerNodeId;
      if (!owner) throw new Error(`no node owns ${member.shard} in the shard map now`);
      return owner;
    }
    throw new Error(`"${phrase}": the chaos CLI does not remember earlier faults' nodes; name the node`);
  }

  /** The holder of `scope` as the first live node answering sees it (its lease unexpired). */
  async holderOf(scope: string): Promise<string> {
    const view = await this.anyNode((c) => c.leaders(scope));
    const token = view.tokens.find((t) => t.scope === scope && Date.parse(t.expiresAt) > Date.now());
    if (!token) throw new Error(`no node holds ${scope} now (asked the relay nodes' /control/leaders)`);
    return token.leaderId;
  }

  private async anyNode<T>(ask: (client: NodeClient) => Promise<T>): Promise<T> {
    const errors: string[] = [];
    for (const n of servicesOf(this.env, 'relay-node').filter((s) => s.state === 'running' && !this.down.has(s.service))) {
      try {
        return await ask(new NodeClient(serviceUrl(this.env, n.service, 8080)));
      } catch (e) {
        errors.push(`${n.service}: ${(e as Error).message}`);
      }
    }
    throw new Error(`no relay node answered: ${errors.join('; ') || 'none is running'}`);
  }

  private async expireCertificate(node: string): Promise<{ target: string; heal: () => Promise<void> }> {
    const hour = 3_600_000;
    const now = Date.now();
    await postJson(`${CONTROL_URL}/ca/validity`, { node, notBefore: new Date(now - 2 * hour).toISOString(), notAfter: new Date(now - hour).toISOString() });
    const renew = async () => {
      const poke = await new NodeClient(serviceUrl(this.env, node, 8080)).chaos('reenroll', 'start');
      if (poke.status !== 200) throw new Error(`${node}'s reenroll chaos hook answered ${poke.status}: ${poke.body.message ?? ''}`);
    };
    await renew();
    return {
      target: node,
      heal: async () => {
        await postJson(`${CONTROL_URL}/ca/validity`, { node });
        await renew();
      },
    };
  }

  /** relay-node's clock-skew chaos hook (feature:mesh-clock-skew); the heal makes the wall clock true again. */
  private async skewClock(node: string, skew: { offsetMs: number; drift: number }): Promise<{ target: string; heal: () => Promise<void> }> {
    const client = new NodeClient(serviceUrl(this.env, node, 8080));
    const started = await client.chaos('clock-skew', 'start', { offsetMs: skew.offsetMs, drift: skew.drift });
    if (started.status !== 200) throw new Error(`${node}'s clock-skew chaos hook answered ${started.status}: ${started.body.message ?? ''}`);
    return { target: node, heal: async () => void (await client.chaos('clock-skew', 'stop')) };
  }

  // ── network ───────────────────────────────────────────────────────────────────────────────────────
  private get iptables(): NetworkFaults {
    this.networkFaults ??= new NetworkFaults({
      network: this.env.network,
      chainPrefix: CHAOS_CHAIN,
      log: this.log,
      absent: () => this.down,
      known: () => new Set([...this.topology.nodes.map((n) => n.id), ...this.topology.etcd.map((m) => m.id)]),
    });
    return this.networkFaults;
  }

  private async groups(sides: readonly [string, string]): Promise<[string[], string[]]> {
    const named = new Map<string, string>();
    for (const token of sides.flatMap((s) => s.split(',').map((t) => t.trim())))
      if (parseMember(token)?.kind !== 'id' && parseMember(token)) named.set(token, await this.resolveNode(token));
    const regionOf = new Map([...this.topology.nodes, ...this.topology.etcd].map((m) => [m.id, m.region]));
    const g = resolveGroups(sideRows(sides), {
      named,
      relay: this.topology.nodes.map((n) => n.id),
      etcd: this.topology.etcd.map((m) => m.id),
      regionOf: (id) => regionOf.get(id),
    });
    return [g['side 1']!, g['side 2']!];
  }

  private async network(fault: Extract<GameDayFault, { kind: 'partition' | 'loss' | 'one-way cut' | 'bridge' | 'majorities ring' }>) {
    let spec: PartitionSpec;
    if (fault.kind === 'majorities ring') spec = majoritiesRing(this.topology.nodes.map((n) => n.id));
    else {
      const [a, b] = await this.groups(fault.sides);
      if (fault.kind === 'partition') spec = { kind: 'groups', groups: { a, b } };
      else if (fault.kind === 'loss') spec = { kind: 'loss', between: { a, b }, probability: fault.percent / 100 };
      else if (fault.kind === 'one-way cut') spec = { kind: 'one-way', from: a, to: b };
      else spec = bridge(a, b, await this.resolveNode(fault.via));
    }
    const applied = await this.iptables.partition(spec);
    let proxied;
    try {
      proxied =
        this.proxy && spec.kind !== 'loss'
          ? await cutProxiedPaths(
              this.proxy,
              this.env.network,
              impairedPairs(applied.plan).filter((p) => p.how === 'cut'),
              this.down,
            )
          : undefined;
    } catch (e) {
      await applied.heal().catch(() => undefined);
      throw e;
    }
    return {
      target: applied.record.description,
      heal: async () => {
        await proxied?.heal();
        await applied.heal();
      },
    };
  }

  // ── proxied links ─────────────────────────────────────────────────────────────────────────────────
  private serial = 0;

  private async toxic(link: LinkTarget, toxic: { type: string; attributes: Record<string, number> }) {
    if (!this.proxy) throw new Error(`topology "${this.topology.name}" routes no link through the fault proxy: no latency, bandwidth, resets or timeouts`);
    const names = proxiedPathNames(this.topology, link);
    const id = `chaos-${toxic.type}-${process.pid}-${++this.serial}`;
    const added: { proxy: string; stream: string }[] = [];
    const remove = async () => {
      await Promise.all(
        added.map(async ({ proxy, stream }) => {
          const t = await (await this.proxy!.toxiproxy.get(proxy)).getToxic(`${id}-${stream}`).catch(() => undefined);
          await t?.remove();
        }),
      );
    };
    try {
      for (const name of names) {
        const proxy = await this.proxy.toxiproxy.get(name);
        for (const stream of ['downstream', 'upstream'] as const) {
          await proxy.addToxic({ name: `${id}-${stream}`, type: toxic.type, stream, toxicity: 1, attributes: toxic.attributes } as ICreateToxicBody<unknown>);
          added.push({ proxy: name, stream });
        }
      }
    } catch (e) {
      await remove().catch(() => undefined);
      throw e;
    }
    return { target: `${names.length} proxied path(s)`, heal: remove };
  }
}

/** The topology the environment was generated from (topology.json beside its compose file). */
export function topologyOf(env: ChaosEnvironment): Topology {
  if (!env.composeFile) throw new Error('the chaos environment carries no compose file label; start it with `npm run chaos:up`');
  const file = join(dirname(env.composeFile), 'topology.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Topology;
  } catch (e) {
    throw new Error(`cannot read the environment's topology from ${file} (beside ${COMPOSE_FILE}): ${(e as Error).message}`, { cause: e });
  }
}

/** Chooses how iptables reaches the members' namespaces, as a run does (OMNIRELAY_HYPERSCALE_NETFAULTS). */
export async function prepareNetfaults(log: (line: string) => void): Promise<void> {
  const s = readSettings();
  const choice = await chooseNetns(s.netfaults, { registry: s.registry, log });
  log(`network faults: ${choice.mode} (${choice.why})`);
  useNetns(netnsExec(choice));
}

async function postJson(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}
