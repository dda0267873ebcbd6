// A partition cuts every path between its groups, proxied ones too. iptables in the members' namespaces
// cuts the direct paths; a region ↔ region path that runs through the fault proxy (caller → proxy →
// callee) is cut by disabling its proxy, which closes the listener and every live connection (the
// Toxiproxy API's `enabled: false`). Each cut is proven by a connect from the caller's namespace to the
// proxy's port that must fail, and each heal by one that must succeed.
import { PROXY_ALIAS, type PeerLink } from '../../cluster/peer-links';
import { eventually, judge, WaitTimeoutError } from '../../checks/eventually';
import { probeConnect } from './probe';
import { networkMembers } from './members';

/**
 * What a cut needs of the fault proxy: the peer paths it routes, and a way to hold some down and release
 * them, counted so that overlapping cuts share a path (the scenario's FaultProxy; the chaos CLI's own).
 */
export interface PeerPathSwitch {
  readonly peers: readonly PeerLink[];
  holdPeersDown(names: readonly string[]): Promise<void>;
  releasePeers(names: readonly string[]): Promise<string[]>;
}

export interface ProxiedCutRecord {
  /** Proxies disabled by this cut (peer link names), `caller → callee:port`. */
  readonly disabled: readonly string[];
  /** Per probed path: did a connect through the proxy fail (cut) or succeed (healed). */
  readonly probes: readonly { readonly link: string; readonly outcome: string }[];
}

export interface ProxiedCut {
  readonly record: ProxiedCutRecord;
  heal(): Promise<ProxiedCutRecord>;
}

/** The peer links carrying connections that `cut` forbids (a caller → callee pair cut in that direction). */
export function linksCutBy(peers: readonly PeerLink[], cut: readonly { from: string; to: string }[]): PeerLink[] {
  const pairs = new Set(cut.map((c) => `${c.from}\u0000${c.to}`));
  return peers.filter((l) => pairs.has(`${l.from}\u0000${l.to}`));
}

/**
 * Disables the proxies of every peer link `cut` covers and proves it; nodes in `absent` (crashed, paused)
 * are not probed from. Returns the heal, which re-enables them (unless another cut still holds them).
 */
export async function cutProxiedPaths(
  proxy: PeerPathSwitch,
  network: string,
  cut: readonly { from: string; to: string }[],
  absent: ReadonlySet<string>,
  timeoutMs = 5_000,
): Promise<ProxiedCut | undefined> {
  const links = linksCutBy(proxy.peers, cut);
  if (links.length === 0) return undefined;
  await proxy.holdPeersDown(links.map((l) => l.name));
  const probes = await proveThrough(proxy, network, links, absent, 'cut', timeoutMs);
  const disabled = links.map((l) => `${l.name} (${l.from} → ${l.upstream})`);
  return {
    record: { disabled, probes },
    async heal() {
      const reopened = await proxy.releasePeers(links.map((l) => l.name));
      const open = links.filter((l) => reopened.includes(l.name));
      return { disabled, probes: await proveThrough(proxy, network, open, absent, 'open', timeoutMs) };
    },
  };
}

/** Connects through each link's proxy port from its caller's namespace until every one shows `want`. */
async function proveThrough(
  proxy: PeerPathSwitch,
  network: string,
  links: readonly PeerLink[],
  absent: ReadonlySet<string>,
  want: 'cut' | 'open',
  timeoutMs: number,
) {
  const probed = links.filter((l) => !absent.has(l.from) && l.port === 'http');
  if (probed.length === 0) return [];
  return eventually(
    `every proxied path ${want === 'cut' ? 'is cut' : 'connects again'} (${probed.length} probed)`,
    async () => {
      const members = new Map((await networkMembers(network)).map((m) => [m.id, m]));
      const via = members.get(PROXY_ALIAS);
      return Promise.all(
        probed.map(async (l) => {
          const caller = members.get(l.from);
          if (!caller || !via) return { link: l.name, outcome: 'gone' };
          return { link: l.name, outcome: (await probeConnect(caller, via, l.listenPort)).outcome };
        }),
      );
    },
    (results) => judge(results.filter((r) => r.outcome !== 'gone' && (r.outcome === 'connected') !== (want === 'open')).map((r) => `${r.link}: ${r.outcome}`)),
    { timeoutMs },
  ).catch((error: unknown) => {
    // The fault did not take effect (or heal): the harness failed, not the product under test.
    throw error instanceof WaitTimeoutError ? new ProxiedPathError(error.message) : error;
  });
}

/** A proxied path could not be shown cut, or open again after the heal. */
export class ProxiedPathError extends Error {
  override name = 'ProxiedPathError';
}
