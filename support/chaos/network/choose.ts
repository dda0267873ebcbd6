// Which way this run reaches network namespaces (OMNIRELAY_HYPERSCALE_NETFAULTS): host and helper as set;
// auto takes nsenter from this host when it can work here (Linux, root, nsenter and iptables installed, an
// engine on a local socket whose dockerd, and so its containers, are processes this one can see) and the
// helper otherwise. A wrong guess for host mode fails at the first fault with what is
// missing and the setting that fixes it (netns.ts).
import { readdirSync, readFileSync } from 'node:fs';
import type { ImageRef } from '../../cluster/images/image-cache';
import { netfaultHelperImage } from '../../cluster/images/netfault-helper';
import type { NetfaultsSetting } from '../../settings';
import { HelperNetns } from './helper';
import { HostNetns, hostMissing, type NetnsExec } from './netns';

/**
 * Plain data, so the coordinator of a parallel run can choose once and hand the choice to its workers
 * (support/suite.ts); `netnsExec` turns it into the object faults run through.
 */
export type NetnsChoice = { readonly mode: 'host'; readonly why: string } | { readonly mode: 'helper'; readonly image: ImageRef; readonly why: string };

export function netnsExec(choice: NetnsChoice): NetnsExec {
  return choice.mode === 'host' ? new HostNetns() : new HelperNetns(choice.image);
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
  const helper = async (why: string): Promise<NetnsChoice> => ({ mode: 'helper', image: await netfaultHelperImage(opts.registry, opts.log), why });
  if (setting === 'host') return { mode: 'host', why: 'OMNIRELAY_HYPERSCALE_NETFAULTS=host' };
  if (setting === 'helper') return helper('OMNIRELAY_HYPERSCALE_NETFAULTS=helper');
  const against = [...(await hostMissing()), ...engineNotLocal()];
  if (against.length === 0) return { mode: 'host', why: "auto: this host can enter the engine's namespaces" };
  return helper(`auto: ${against.join('; ')}`);
}
