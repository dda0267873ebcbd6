// Who is on the scenario network: node id, container, init pid (its netns is the container's) and IP,
// read from the engine with dockerode.
import type Docker from 'dockerode';
import { docker } from '../../cluster/engine';
import { LABEL } from '../../cluster/labels';
import type { Member } from './types';

/** Every running container attached to `networkName`, sorted by node id. */
export async function networkMembers(networkName: string): Promise<Member[]> {
  let info: Docker.NetworkInspectInfo;
  try {
    info = await docker().getNetwork(networkName).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) throw new Error(`no Docker network "${networkName}"`, { cause: e });
    throw e;
  }
  const ids = Object.keys(info.Containers ?? {});
  const members = await Promise.all(ids.map((id) => inspectMember(id, networkName)));
  return members.flatMap((m) => (m.kind === 'running' ? [m.member] : [])).sort((a, b) => a.id.localeCompare(b.id));
}

export type MemberState = { readonly kind: 'running'; readonly member: Member } | { readonly kind: 'gone'; readonly reason: string };

/**
 * A container's current state as a member of `networkName`: running with pid and IP, or gone (removed,
 * stopped, detached). A restarted container has a new pid (and netns), so callers re-inspect rather than
 * reuse an old pid: a stale pid may by now belong to an unrelated process.
 */
export async function inspectMember(containerId: string, networkName: string): Promise<MemberState> {
  let c: Docker.ContainerInspectInfo;
  try {
    c = await docker().getContainer(containerId).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return { kind: 'gone', reason: 'no such container (removed)' };
    throw e;
  }
  const name = c.Name.replace(/^\//, '');
  if (!c.State.Running || !c.State.Pid) return { kind: 'gone', reason: `container ${name} is not running (${c.State.Status})` };
  const endpoint = c.NetworkSettings.Networks?.[networkName];
  if (!endpoint?.IPAddress) return { kind: 'gone', reason: `container ${name} is not attached to network ${networkName}` };
  return {
    kind: 'running',
    member: {
      id: nodeIdOf(c, endpoint.Aliases ?? [], name),
      containerId: c.Id,
      name,
      pid: c.State.Pid,
      ip: endpoint.IPAddress,
      exposedPorts: exposedTcpPorts(c),
    },
  };
}

/** The suite's node label wins; else the first alias that is not the engine's short-id alias; else the name. */
function nodeIdOf(c: Docker.ContainerInspectInfo, aliases: readonly string[], name: string): string {
  const label = c.Config.Labels?.[LABEL.node];
  if (label) return label;
  const alias = aliases.find((a) => !c.Id.startsWith(a) && a !== name);
  return alias ?? name;
}

function exposedTcpPorts(c: Docker.ContainerInspectInfo): number[] {
  return Object.keys(c.Config.ExposedPorts ?? {})
    .filter((p) => p.endsWith('/tcp') || !p.includes('/'))
    .map((p) => Number.parseInt(p, 10))
    .filter((p) => Number.isInteger(p) && p > 0)
    .sort((a, b) => a - b);
}

/**
 * Default probe port: relay nodes serve HTTP on 8080, etcd members clients on 2379; otherwise the only
 * port the container exposes. Pass `portOf` explicitly for anything else.
 */
export function defaultPortOf(member: Member): number {
  // relay nodes, etcd, the fault proxy's API
  for (const preferred of [8080, 2379, 8474]) if (member.exposedPorts.includes(preferred)) return preferred;
  if (member.exposedPorts.length === 1) return member.exposedPorts[0]!;
  throw new Error(
    `no probe port known for ${member.id} (${member.name}; exposes ${member.exposedPorts.join(', ') || 'no ports'}): pass portOf to choose one it listens on`,
  );
}
