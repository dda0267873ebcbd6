// The environment's fault proxy as the fault library's PeerPathSwitch: the region ↔ region paths a cut
// disables, held down by count so that overlapping cuts of one CLI share a path (a scenario's FaultProxy
// does the same for its own proxy), and the Toxiproxy client the toxics go through.
import { Toxiproxy } from 'toxiproxy-node-client';
import type { PeerLink } from '../../../cluster/peer-links';
import type { PeerPathSwitch } from '../../network/proxied';

export class ChaosProxy implements PeerPathSwitch {
  readonly toxiproxy: Toxiproxy;
  private readonly held = new Map<string, number>();

  constructor(
    api: string,
    readonly peers: readonly PeerLink[],
  ) {
    this.toxiproxy = new Toxiproxy(api);
  }

  async holdPeersDown(names: readonly string[]): Promise<void> {
    const first = names.filter((n) => !this.held.get(n));
    for (const n of names) this.held.set(n, (this.held.get(n) ?? 0) + 1);
    await Promise.all(first.map((n) => this.setEnabled(n, false)));
  }

  async releasePeers(names: readonly string[]): Promise<string[]> {
    const reopen = names.filter((n) => {
      const left = (this.held.get(n) ?? 1) - 1;
      if (left > 0) this.held.set(n, left);
      else this.held.delete(n);
      return left <= 0;
    });
    await Promise.all(reopen.map((n) => this.setEnabled(n, true)));
    return reopen;
  }

  private async setEnabled(name: string, enabled: boolean): Promise<void> {
    const link = this.peers.find((p) => p.name === name)!;
    const proxy = await this.toxiproxy.get(name);
    await proxy.update({ enabled, listen: `0.0.0.0:${link.listenPort}`, upstream: link.upstream });
  }
}
