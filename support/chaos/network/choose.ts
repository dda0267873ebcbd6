// Which way this run reaches network namespaces (OMNIRELAY_HYPERSCALE_NETFAULTS): host and helper as set;
// auto takes nsenter from this host when it can work here (Linux, root, nsenter and iptables installed, an
// engine on a local socket whose dockerd, and so its containers, are processes this one can see) and the
// helper otherwise. A wrong guess for host mode fails at the first fault with what is
// missing and the setting that fixes it (netns.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { netfaultHelperImage } from '../../cluster/images/netfault-helper';
import type { NetfaultsSetting } from '../../settings';
import { HelperNetns } from './helper';
import { HostNetns, hostMissing, type NetnsExec } from './netns';

export interface NetnsChoice {
  readonly exec: NetnsExec;
  /** Why this mode: the setting, or what auto found. */
  readonly why: string;
}

/**
 * Reasons the engine's containers are not processes of this machine: DOCKER_HOST not a local socket, or
 * no dockerd among the processes this one can see (Docker Desktop's VM, the suite in a container that
 * talks to the host's engine through a mounted socket).
 */
export function engineNotLocal(env: NodeJS.ProcessEnv = process.env, dockerdVisible: () => boolean = dockerdInThisPidNamespace): string[] {
  const host = env.DOCKER_HOST?.trim();
  if (host && !host.startsWith('unix://')) return [`DOCKER_HOST=${host} is not a local socket`];
  if (!dockerdVisible()) return ['no dockerd process is visible here (the engine runs in a VM, on another host, or outside this container)'];
  return [];
}

/** Whether a `dockerd` runs in this process's pid namespace (its containers' init processes are then visible too). */
function dockerdInThisPidNamespace(): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'dockerd') return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}

export async function chooseNetns(setting: NetfaultsSetting, opts: { registry?: string; log?: (line: string) => void } = {}): Promise<NetnsChoice> {
  const helper = async (why: string): Promise<NetnsChoice> => ({ exec: new HelperNetns(await netfaultHelperImage(opts.registry, opts.log)), why });
  if (setting === 'host') return { exec: new HostNetns(), why: 'OMNIRELAY_HYPERSCALE_NETFAULTS=host' };
  if (setting === 'helper') return helper('OMNIRELAY_HYPERSCALE_NETFAULTS=helper');
  const against = [...(await hostMissing()), ...engineNotLocal()];
  if (against.length === 0) return { exec: new HostNetns(), why: "auto: this host can enter the engine's namespaces" };
  return helper(`auto: ${against.join('; ')}`);
}
