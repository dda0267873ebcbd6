// A proxied TCP connection: the client socket, the upstream socket and a link for each direction.
import type { Socket } from 'node:net';
import type { ToxicCollection } from '../toxics/collection';
import { Link } from './link';

export class Connection {
  private readonly links: readonly Link[];
  private open = 2;

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly toxics: ToxicCollection,
    private readonly onGone: (connection: Connection) => void,
    onError: (error: unknown) => void,
  ) {
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true); // Go's default, and what keeps slicer's small writes small
      socket.on('error', () => {}); // a peer's reset surfaces as 'close', which ends the link
      socket.once('close', () => {
        if (--this.open === 0) this.gone();
      });
    }
    const hooks = {
      reset: () => this.reset(),
      fail: (error: unknown) => {
        onError(error);
        this.destroy();
      },
    };
    this.links = [
      new Link('upstream', client, upstream, toxics.chain('upstream'), hooks),
      new Link('downstream', upstream, client, toxics.chain('downstream'), hooks),
    ];
    for (const link of this.links) toxics.attach(link);
    client.resume(); // accepted paused, so no byte arrived before the links existed
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  /** TCP RST to both peers (reset_peer). */
  reset(): void {
    for (const socket of [this.client, this.upstream]) if (!socket.destroyed) socket.resetAndDestroy();
  }

  private gone(): void {
    for (const link of this.links) {
      link.stop();
      this.toxics.detach(link);
    }
    this.onGone(this);
  }
}
