// In-process chaos hooks behind `POST /omnirelay/control/chaos/<name>:start|stop`: faults only the
// process itself can apply (a certificate renewal now, a skewed clock). Network and process faults
// belong to the suite's iptables, proxy and Docker, not here.
import { type Clock, NO_SKEW } from '../clock';

/** What a hook reports: whether it acted, and any state worth showing (e.g. the clock's skew now). */
export type ChaosOutcome = { acted: boolean } & Record<string, unknown>;

export interface ChaosHook {
  start(params: Readonly<Record<string, unknown>>): ChaosOutcome;
  /** Undoes what start did; absent for one-shot actions (`:stop` then never acts). */
  stop?(): ChaosOutcome;
}

export class ChaosParamsError extends Error {
  override readonly name = 'ChaosParamsError';
}

/** A one-shot action (`:start` acts, `:stop` has nothing to undo). */
export function oneShot(act: () => boolean): ChaosHook {
  return { start: () => ({ acted: act() }) };
}

/** Largest skew accepted: beyond a day, certificates and logs stop meaning anything. */
const MAX_OFFSET_MS = 86_400_000;

/**
 * `clock-skew`: `:start` with `{"offsetMs": -20000, "drift": -0.05}` shifts this node's wall clock and
 * makes both its readings run at 95 % (see clock.ts); `:stop` ends both. Each start replaces the last.
 */
export function clockSkewHook(clock: Clock): ChaosHook {
  const state = () => ({ offsetMs: clock.current.offsetMs, drift: clock.current.drift, wallTime: clock.iso() });
  return {
    start(params) {
      const unknown = Object.keys(params).filter((k) => k !== 'offsetMs' && k !== 'drift');
      if (unknown.length > 0) throw new ChaosParamsError(`unknown parameter(s) ${unknown.join(', ')}; known: offsetMs, drift`);
      const offsetMs = params.offsetMs ?? 0;
      const drift = params.drift ?? 0;
      if (typeof offsetMs !== 'number' || !Number.isFinite(offsetMs) || Math.abs(offsetMs) > MAX_OFFSET_MS) {
        throw new ChaosParamsError(`offsetMs must be a number of milliseconds within ±${MAX_OFFSET_MS}`);
      }
      if (typeof drift !== 'number' || !(drift > -1 && drift < 1)) throw new ChaosParamsError('drift must be a rate between -1 and 1 (-0.05: 5 % slow)');
      clock.set({ offsetMs, drift });
      return { acted: true, ...state() };
    },
    stop() {
      const acted = clock.current !== NO_SKEW;
      clock.reset();
      return { acted, ...state() };
    },
  };
}
