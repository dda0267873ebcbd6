// Gossip needs a certificate: enroll (retrying until it works), start gossip, and re-enroll before
// the certificate expires, or at once when the `reenroll` chaos hook wakes the renewal sleep.
import { errorMessage, type Logger } from '../log';
import type { NodeState } from '../state';
import { type Enroller, type NodeIdentity, renewalDelayMs } from '../tls/enroll';
import type { GossipAgent } from './agent';
import { clock } from '../clock';

export interface EnrolledGossip {
  enroller: Enroller;
  gossip: GossipAgent;
  state: NodeState;
  signal: AbortSignal;
  log: Logger;
  renewal: Wake;
  /** Gossip could not start at all. */
  onFatal: (error: unknown) => void;
}

export async function startEnrolledGossip({ enroller, gossip, state, signal, log, renewal, onFatal }: EnrolledGossip): Promise<void> {
  let identity: NodeIdentity;
  try {
    identity = await enroller.enroll(signal);
    state.enrolled = true;
    state.certificateExpiresAt = identity.expiresAt;
    await gossip.start(identity);
    state.gossipStarted = true;
  } catch (error) {
    if (signal.aborted) return;
    log.error('gossip could not start', { error: errorMessage(error) });
    onFatal(error);
    return;
  }
  while (!signal.aborted) {
    await renewal.sleep(renewalDelayMs(identity.expiresAt));
    if (signal.aborted) return;
    try {
      identity = await enroller.enroll(signal);
      gossip.setIdentity(identity);
      state.certificateExpiresAt = identity.expiresAt;
      log.info('certificate renewed', { expiresAt: identity.expiresAt.toISOString(), expired: identity.expiresAt.getTime() <= clock.now() });
    } catch (error) {
      if (!signal.aborted) log.warn('certificate renewal failed', { error: errorMessage(error) });
    }
  }
}

/** A sleep that `wake()` cuts short (the renewal loop's, woken by the `reenroll` chaos hook). */
export class Wake {
  private waker: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waker = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.waker = done;
    });
  }

  /** True when a sleeper was woken. */
  wake(): boolean {
    const waker = this.waker;
    waker?.();
    return waker !== undefined;
  }
}
