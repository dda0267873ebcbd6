// This node's pressure, per shard budget and for the node budget, from the signals the budgets give
// (pure: the clock is injected). A signal is a refused call, or the wait a call was given for its
// token (wait = queued demand / budget, so a wait of 500 ms is a queue of half a second of budget).
//
//   saturated  a call was refused within the last `calmMs`
//   elevated   a call waited >= `enterWaitMs` (queue >= 50% of budget) within the last `calmMs`; while
//              already under pressure, a wait >= `stayWaitMs` (25%) also keeps it on (hysteresis band)
//   ok         otherwise: `calmMs` (2 s) without any such signal
//
// Levels rise at once and fall only after `calmMs` of calm, so they do not flap.
export const PRESSURE_LEVELS = ['ok', 'elevated', 'saturated'] as const;
export type PressureLevel = (typeof PRESSURE_LEVELS)[number];

export function levelRank(level: PressureLevel): number {
  return PRESSURE_LEVELS.indexOf(level);
}

export function maxLevel(a: PressureLevel, b: PressureLevel): PressureLevel {
  return levelRank(a) >= levelRank(b) ? a : b;
}

export function isPressureLevel(value: unknown): value is PressureLevel {
  return typeof value === 'string' && (PRESSURE_LEVELS as readonly string[]).includes(value);
}

/** What a signal is about: one shard's budget, or the node budget. */
export type PressureTarget = { scope: 'shard'; shardId: string } | { scope: 'node' };

export interface PressureTimers {
  /** Calm needed before a level falls. */
  calmMs: number;
  /** A wait this long (ms) turns `elevated` on. */
  enterWaitMs: number;
  /** While under pressure, a wait this long still counts as a signal. */
  stayWaitMs: number;
}

export const DEFAULT_PRESSURE_TIMERS: PressureTimers = { calmMs: 2000, enterWaitMs: 500, stayWaitMs: 250 };

export interface PressureState {
  /** The highest of `node` and every shard's level. */
  level: PressureLevel;
  /** The node budget's level. */
  node: PressureLevel;
  /** Shards under pressure (level not ok), sorted. */
  shards: string[];
  shardLevels: Record<string, PressureLevel>;
  /** Epoch ms at which `level` last left ok (undefined while ok). */
  since: number | undefined;
}

interface Marks {
  /** Last refusal. */
  rejectedMs?: number;
  /** Last refusal or qualifying wait. */
  hotMs?: number;
}

const NODE_KEY = '\u0000node';

export class PressureTracker {
  private readonly marks = new Map<string, Marks>();
  private episodeStartMs: number | undefined;

  constructor(
    private readonly now: () => number = Date.now,
    readonly timers: PressureTimers = DEFAULT_PRESSURE_TIMERS,
  ) {}

  rejected(target: PressureTarget): void {
    const now = this.now();
    this.beginEpisode(now);
    const marks = this.entry(target);
    marks.rejectedMs = now;
    marks.hotMs = now;
  }

  /** A call was admitted after waiting `waitMs` for its token (0: no wait). */
  waited(target: PressureTarget, waitMs: number): void {
    const now = this.now();
    const key = keyOf(target);
    const current = this.levelOf(this.marks.get(key), now);
    const threshold = current === 'ok' ? this.timers.enterWaitMs : this.timers.stayWaitMs;
    if (!(waitMs >= threshold)) return;
    this.beginEpisode(now);
    this.entry(target).hotMs = now;
  }

  level(target: PressureTarget): PressureLevel {
    return this.levelOf(this.marks.get(keyOf(target)), this.now());
  }

  state(): PressureState {
    const now = this.now();
    let node = 'ok' as PressureLevel;
    const shardLevels: Record<string, PressureLevel> = {};
    for (const [key, marks] of this.marks) {
      const level = this.levelOf(marks, now);
      if (level === 'ok') {
        this.marks.delete(key); // calm: forget it
        continue;
      }
      if (key === NODE_KEY) node = level;
      else shardLevels[key] = level;
    }
    const shards = Object.keys(shardLevels).sort();
    const level = shards.reduce<PressureLevel>((acc, id) => maxLevel(acc, shardLevels[id] ?? 'ok'), node);
    if (level === 'ok') this.episodeStartMs = undefined;
    const sorted: Record<string, PressureLevel> = {};
    for (const id of shards) sorted[id] = shardLevels[id] ?? 'ok';
    return { level, node, shards, shardLevels: sorted, since: level === 'ok' ? undefined : this.episodeStartMs };
  }

  private levelOf(marks: Marks | undefined, now: number): PressureLevel {
    if (!marks) return 'ok';
    if (marks.rejectedMs !== undefined && now - marks.rejectedMs < this.timers.calmMs) return 'saturated';
    if (marks.hotMs !== undefined && now - marks.hotMs < this.timers.calmMs) return 'elevated';
    return 'ok';
  }

  /** A signal arriving while everything is calm starts a new episode. */
  private beginEpisode(now: number): void {
    for (const marks of this.marks.values()) if (this.levelOf(marks, now) !== 'ok') return;
    this.episodeStartMs = now;
  }

  private entry(target: PressureTarget): Marks {
    const key = keyOf(target);
    let marks = this.marks.get(key);
    if (!marks) this.marks.set(key, (marks = {}));
    return marks;
  }
}

function keyOf(target: PressureTarget): string {
  return target.scope === 'node' ? NODE_KEY : target.shardId;
}
