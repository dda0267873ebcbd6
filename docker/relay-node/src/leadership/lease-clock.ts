// The clock lease deadlines are timed on. A deadline counts from before the grant or keep-alive was
// sent, on the monotonic clock: a step of the wall clock (NTP, an operator, chaos) cannot stretch a
// lease this node believes it holds. Seeded defect lease-expiry-by-wall-clock times them on the wall
// clock instead, so a node whose clock steps back keeps acting as leader after etcd let the lease go.
import { clock } from '../clock';
import type { Defects } from '../defects';

export interface LeaseClock {
  /** Now, on the clock deadlines are kept on. */
  now(): number;
  /** A deadline on this clock as a wall-clock instant (epoch ms), for tokens and events. */
  toWall(deadlineMs: number): number;
}

export function leaseClock(defects?: Defects): LeaseClock {
  const byWall = defects?.has('lease-expiry-by-wall-clock') ?? false;
  const now = byWall ? () => clock.now() : () => clock.monotonic();
  return { now, toWall: (deadlineMs) => clock.now() + (deadlineMs - now()) };
}
