// `npm run chaos -- heal`: undoes whatever game-day faults are still in effect, whoever left them (a CLI
// killed with SIGKILL cannot heal its own): surge nodes removed, paused nodes thawed, stopped nodes
// started, every game-day iptables chain removed, every game-day toxic removed and every proxy enabled,
// the CA's validity overrides dropped (and certificates renewed), the fault log's open entries ended.
import { docker } from '../../../cluster/engine';
import { NodeClient } from '../../../fabric/node-client';
import { HELPER_LABEL } from '../../network/helper';
import { listRules, runSteps } from '../../network/iptables';
import { networkMembers } from '../../network/members';
import type { IptablesStep } from '../../network/plan';
import { PROXY_API_PORT } from '../compose';
import { CHAOS_FILTER, CONTROL_URL, findEnvironment, serviceUrl, servicesOf } from '../environment';
import { CHAOS_CHAIN } from './engine';
import { SURGE_LABEL } from './surge';

/** The steps that remove every chain named `<prefix>-…` from an `iptables -S` listing: unhook, flush, delete. Pure. */
export function unhookSteps(listing: string, prefix: string): IptablesStep[] {
  const lines = listing.split('\n').map((l) => l.trim());
  const chains = lines.flatMap((l) => (l.startsWith(`-N ${prefix}-`) ? [l.slice(3)] : []));
  const hooks = lines.flatMap((l) => {
    const m = /^-A (\S+) (.*)-j (\S+)$/.exec(l);
    return m && chains.includes(m[3]!) && !chains.includes(m[1]!) ? [['-D', m[1]!, ...m[2]!.trim().split(/\s+/).filter(Boolean), '-j', m[3]!]] : [];
  });
  return [
    ...(hooks.length ? [{ run: hooks }] : []),
    ...chains.map((c): IptablesStep => ({
      run: [
        ['-F', c],
        ['-X', c],
      ],
    })),
  ];
}

export async function healEverything(log: (line: string) => void): Promise<string[]> {
  const done: string[] = [];
  const env = await findEnvironment();
  // A killed CLI's namespace helpers first: their names would clash with the helpers this heal starts.
  for (const c of await docker().listContainers({ all: true, filters: { label: [CHAOS_FILTER, HELPER_LABEL] } }))
    await docker().getContainer(c.Id).remove({ force: true });
  for (const c of await docker().listContainers({ all: true, filters: { label: [CHAOS_FILTER, SURGE_LABEL] } })) {
    await docker().getContainer(c.Id).remove({ force: true, v: true });
    done.push(`removed surge node ${c.Labels['omnirelay.hyperscale.node'] ?? c.Id.slice(0, 12)}`);
  }
  for (const s of env.services.values()) {
    const c = docker().getContainer(s.containerId);
    if (s.state === 'paused') {
      await c.unpause();
      done.push(`unpaused ${s.service}`);
    } else if (s.state !== 'running') {
      await c.start();
      done.push(`started ${s.service} (was ${s.state})`);
    }
  }
  const unlisted: string[] = [];
  for (const member of await networkMembers(env.network)) {
    const listing = await listRules(member).catch((e: Error) => void unlisted.push(`${member.id}: ${e.message.split('\n')[0]}`));
    if (listing === undefined) continue;
    const steps = unhookSteps(listing, CHAOS_CHAIN);
    if (steps.length === 0) continue;
    await runSteps(member, steps);
    done.push(`removed ${steps.filter((s) => s.run[0]?.[0] === '-F').length} game-day chain(s) in ${member.id}`);
  }
  if (env.services.has('fault-proxy')) {
    // The Toxiproxy API directly: its list of proxies does not carry their toxics.
    const api = `http://127.0.0.1:${PROXY_API_PORT}`;
    const proxies = (await (await fetch(`${api}/proxies`)).json()) as Record<string, { name: string; listen: string; upstream: string; enabled: boolean }>;
    for (const proxy of Object.values(proxies)) {
      const path = `${api}/proxies/${encodeURIComponent(proxy.name)}`;
      const toxics = ((await (await fetch(`${path}/toxics`)).json()) as { name: string }[]).filter((t) => t.name.startsWith('chaos-'));
      for (const t of toxics) await fetch(`${path}/toxics/${encodeURIComponent(t.name)}`, { method: 'DELETE' });
      if (!proxy.enabled) await fetch(path, { method: 'POST', body: JSON.stringify({ ...proxy, enabled: true }) });
      if (toxics.length || !proxy.enabled) done.push(`proxy ${proxy.name}: ${toxics.length} toxic(s) removed${proxy.enabled ? '' : ', enabled again'}`);
    }
  }
  for (const n of servicesOf(env, 'relay-node')) {
    await fetch(`${CONTROL_URL}/ca/validity`, { method: 'POST', body: JSON.stringify({ node: n.service }) });
    await new NodeClient(serviceUrl(env, n.service, 8080)).chaos('reenroll', 'start').catch(() => undefined);
  }
  const open = ((await (await fetch(`${CONTROL_URL}/faults?active=true`)).json()) as { faults: { id: number; fault: string; target: string }[] }).faults;
  for (const f of open) {
    await fetch(`${CONTROL_URL}/faults/${f.id}/end`, { method: 'POST' });
    done.push(`ended ${f.fault} on ${f.target} in the fault log`);
  }
  for (const c of await docker().listContainers({ all: true, filters: { label: [CHAOS_FILTER, HELPER_LABEL] } }))
    await docker().getContainer(c.Id).remove({ force: true });
  for (const line of done) log(`  ${line}`);
  return done;
}
