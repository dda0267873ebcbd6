// The one clock relay-node reads time from, so that chaos can skew it (POST
// /omnirelay/control/chaos/clock-skew:start). Two readings, as an operating system gives them:
// - now(): the wall clock (epoch ms), for instants other nodes or people read: log lines, issuedAt,
//   timer due times, deadlines sent by clients, certificate validity. A skew step moves it.
// - monotonic(): elapsed time that never steps, for local durations and deadlines: lease deadlines,
//   gossip suspicion, timeouts. Drift (a crystal running fast or slow) changes the rate of both.
// Timers (setTimeout) keep real time: drift is a wrong reading of time, not a slower event loop.

export interface ClockSkew {
  /** Added to the wall clock (negative: the node believes it is earlier). */
  readonly offsetMs: number;
  /** Rate error: 0.05 runs 5 % fast, -0.05 runs 5 % slow (both readings). */
  readonly drift: number;
}

export const NO_SKEW: ClockSkew = { offsetMs: 0, drift: 0 };

export class Clock {
  private skew: ClockSkew = NO_SKEW;
  /** Real monotonic time when the current drift began. */
  private driftSince = 0;
  /** What earlier drift added to each reading; the wall's share is dropped on reset, the monotonic never steps. */
  private wallCarried = 0;
  private monotonicCarried = 0;

  constructor(
    private readonly realWall: () => number = Date.now,
    private readonly realMonotonic: () => number = () => performance.now(),
  ) {}

  now(): number {
    return this.realWall() + this.skew.offsetMs + this.wallCarried + this.drifted();
  }

  monotonic(): number {
    return this.realMonotonic() + this.monotonicCarried + this.drifted();
  }

  /** now() as an ISO-8601 string. */
  iso(): string {
    return new Date(this.now()).toISOString();
  }

  get current(): ClockSkew {
    return this.skew;
  }

  /** Sets offset and drift from now on; what drift added so far stays (a drifting clock does not jump when its rate changes). */
  set(skew: ClockSkew): void {
    const drifted = this.drifted();
    this.wallCarried += drifted;
    this.monotonicCarried += drifted;
    this.driftSince = this.realMonotonic();
    this.skew = skew;
  }

  /** The wall clock is true again (as after an NTP step); the monotonic one keeps going without a step. */
  reset(): void {
    this.set(NO_SKEW);
    this.wallCarried = 0;
  }

  private drifted(): number {
    return this.skew.drift * (this.realMonotonic() - this.driftSince);
  }
}

/** The process's clock. Tests that need another make their own Clock and pass its readings in. */
export const clock = new Clock();
