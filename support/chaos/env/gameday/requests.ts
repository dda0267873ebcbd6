// What a game day asks for, in the scenarios' own words: the fault schedule's faults and targets
// (`latency 300 ms ± 50 ms` on `region east ↔ region west`, `partition` of `region west / everyone else`,
// `crash` of `the global leader`; support/chaos/schedule.ts parses those), plus the faults only a long-lived
// environment needs: restart, one-way cut, bridge, majorities ring, membership surge, certificate expiry,
// and leader kill by scope. Pure: the CLI, the experiment file and the dry run all go through here.
import { TableError } from '../../../tables';
import { describeLink, durationOf, scheduledFault, type ScheduledFault } from '../../schedule';
import { memberOf } from '../../../members';

/** The schedule's faults a game day runs as they are; its one-way cut, stop and surge have game-day forms of their own below. */
type ScheduleOwnFault = Exclude<ScheduledFault, { kind: 'one-way' | 'graceful stop' | 'surge' }>;

export type GameDayFault =
  | ScheduleOwnFault
  | { readonly kind: 'restart' | 'certificate expiry'; readonly node: string }
  /** The holder of `scope` (global-control or region/<name>), found when the fault starts. */
  | { readonly kind: 'leader kill'; readonly scope: string }
  | { readonly kind: 'one-way cut'; readonly sides: readonly [string, string] }
  | { readonly kind: 'bridge'; readonly sides: readonly [string, string]; readonly via: string }
  | { readonly kind: 'majorities ring' }
  /** `count` relay nodes join `region` one every `everyMs`, stay, then leave at the same pace. */
  | { readonly kind: 'membership surge'; readonly region: string; readonly count: number; readonly everyMs: number };

export interface FaultRequest {
  readonly fault: GameDayFault;
  /** Offset from the start of the game day (0 for a single CLI fault). */
  readonly startMs: number;
  readonly durationMs: number;
  /** As written, for the plan, the fault log and messages. */
  readonly text: string;
  /** The target's words (`region east ↔ region west`), as the fault log's `target` label shows them. */
  readonly target: string;
}

/** Every fault is bounded: a game day's window may be long, never open-ended. */
export const MAX_FAULT_MS = 10 * 60_000;

/** The CLI's and the experiment file's fault names, with what `intensity` means for each. */
export const FAULT_NAMES = {
  crash: 'SIGKILL the target node, start it again at the end (target: a node phrase)',
  'leader kill': 'SIGKILL the holder of a scope (target: global-control or region/<name>; default global-control), start it again at the end',
  pause: 'freeze the target node (cgroup freezer), thaw it at the end',
  restart: 'restart the target node at once (SIGTERM, then start); the window is how long the fault counts as active',
  partition: 'cut two sides from each other both ways (target: "<side> / <side>", e.g. "region west / everyone else")',
  'one-way cut': 'the first side can no longer reach the second (target: "<from> / <to>")',
  bridge: 'cut two sides from each other but not from the bridge node (target: "<side> / <side>", --via <node>)',
  'majorities ring': 'every relay node sees a majority, no two the same (target: everyone)',
  latency: 'add latency on proxied links (--intensity "300 ms", --jitter "50 ms"; target: "clients → region east", "region west", "region east ↔ region west")',
  bandwidth: 'limit proxied links (--intensity "64 KB/s"; target as latency)',
  'connection resets': 'reset connections on proxied links (target as latency)',
  'connection timeouts': 'stall connections on proxied links (target as latency)',
  'packet loss': 'drop packets between two sides (--intensity "30%"; target: "<side> / <side>")',
  'membership surge': 'N relay nodes join a region, then leave (--intensity N, --rate "1/s"; target: "region east")',
  'certificate expiry': "the target node's next certificate is already expired and it renews at once; at the end it renews a valid one",
  'clock skew':
    'shift the target node\'s wall clock and/or make its clocks drift (--intensity "-20 s", "+3 s drift -5 %" or "drift 10 %"); true again at the end',
} as const;

export type FaultName = keyof typeof FAULT_NAMES;

/** One fault as a command line or an experiment step gives it. */
export interface RawRequest {
  readonly fault: string;
  readonly target?: string;
  readonly duration?: string;
  readonly intensity?: string;
  readonly jitter?: string;
  readonly rate?: string;
  readonly via?: string;
  readonly at?: string;
}

/** Normalises CLI spellings (`kill-leader`, `cert-expiry`, `surge`, `loss`) to the catalog's names. */
const ALIASES: Record<string, FaultName> = {
  'kill-leader': 'leader kill',
  'leader-kill': 'leader kill',
  kill: 'crash',
  'one-way': 'one-way cut',
  ring: 'majorities ring',
  'majorities-ring': 'majorities ring',
  loss: 'packet loss',
  'packet-loss': 'packet loss',
  surge: 'membership surge',
  'membership-surge': 'membership surge',
  'cert-expiry': 'certificate expiry',
  'certificate-expiry': 'certificate expiry',
  resets: 'connection resets',
  timeouts: 'connection timeouts',
};

export function faultName(text: string): FaultName | undefined {
  const t = text.trim();
  return t in FAULT_NAMES ? (t as FaultName) : ALIASES[t];
}

/** Parses one request; `where` starts every error (`--target`, `experiment.yaml:7:13 steps.1`). */
export function parseRequest(raw: RawRequest, where: string): FaultRequest {
  const name = faultName(raw.fault);
  if (!name)
    throw new TableError(`${where}: unknown fault "${raw.fault}"; known: ${Object.keys(FAULT_NAMES).join(', ')} (or ${Object.keys(ALIASES).join(', ')})`);
  const durationMs = raw.duration === undefined ? 30_000 : durationOf(raw.duration, where, 'duration');
  if (durationMs <= 0 || durationMs > MAX_FAULT_MS) throw new TableError(`${where}: duration must be more than 0 and at most ${MAX_FAULT_MS / 60_000} minutes`);
  const startMs = raw.at === undefined ? 0 : durationOf(raw.at, where, 'at');
  const target = raw.target?.trim();
  const need = (what: string) => {
    if (!target) throw new TableError(`${where}: ${name} needs a target: ${what}`);
    return target;
  };
  const intensity = raw.intensity?.trim();
  const fault = ((): GameDayFault => {
    switch (name) {
      case 'leader kill': {
        const scope = target ?? 'global-control';
        if (!/^(global-control|region\/[a-z][a-z0-9-]*)$/.test(scope))
          throw new TableError(`${where}: leader kill's target is a scope, "global-control" or "region/<name>"; got "${scope}"`);
        return { kind: 'leader kill', scope };
      }
      case 'restart':
      case 'certificate expiry':
        memberOf(need('a node phrase (e.g. "east-1", "the global leader")'), where);
        return { kind: name, node: target! };
      case 'one-way cut':
        return { kind: name, sides: twoSides(need('"<from> / <to>"'), where) };
      case 'bridge': {
        if (!raw.via) throw new TableError(`${where}: bridge needs --via <node>, the node both sides still reach`);
        return { kind: name, sides: twoSides(need('"<side> / <side>"'), where), via: raw.via.trim() };
      }
      case 'majorities ring':
        return { kind: name };
      case 'membership surge': {
        const region = /^region ([a-z][a-z0-9-]*)$/.exec(need('"region <name>"'))?.[1];
        if (!region) throw new TableError(`${where}: membership surge's target is "region <name>"; got "${target}"`);
        const count = Number(intensity ?? '3');
        if (!Number.isInteger(count) || count < 1 || count > 20)
          throw new TableError(`${where}: membership surge's intensity is how many nodes join, 1 to 20; got "${intensity}"`);
        const rate = /^(\d+(?:\.\d+)?) ?\/ ?s$/.exec(raw.rate?.trim() ?? '1/s');
        if (!rate || Number(rate[1]) <= 0) throw new TableError(`${where}: rate is nodes per second, e.g. "2/s"; got "${raw.rate}"`);
        const everyMs = Math.round(1000 / Number(rate[1]));
        if (2 * count * everyMs >= durationMs)
          throw new TableError(
            `${where}: ${count} nodes joining and leaving at ${raw.rate ?? '1/s'} take ${(2 * count * everyMs) / 1000} s; give a longer duration`,
          );
        return { kind: name, region, count, everyMs };
      }
      case 'latency': {
        const jitter = raw.jitter ? ` ± ${raw.jitter.trim()}` : '';
        return fromSchedule(`latency ${intensity ?? '200 ms'}${jitter}`.replace(/(\d) ?ms/g, '$1 ms'), need(LINKS), where);
      }
      case 'bandwidth':
        return fromSchedule(`bandwidth ${(intensity ?? '64 KB/s').replace(/^(\d+)$/, '$1 KB/s')}`, need(LINKS), where);
      case 'clock skew': {
        const skew = (intensity ?? '-20 s').trim();
        return fromSchedule(skew.startsWith('drift') ? `clock ${skew}` : `clock skew ${skew}`, need('a node phrase'), where);
      }
      case 'packet loss':
        return fromSchedule(`packet loss ${(intensity ?? '30%').replace(/^(\d+(?:\.\d+)?)$/, '$1%')}`, need('"<side> / <side>"'), where);
      default:
        return fromSchedule(name, need(name === 'partition' ? '"<side> / <side>"' : name.startsWith('connection') ? LINKS : 'a node phrase'), where);
    }
  })();
  return { fault, startMs, durationMs, text: describe(name, raw, fault), target: target ?? (fault.kind === 'leader kill' ? fault.scope : 'everyone') };
}

/** A schedule fault the game-day CLI names the same way (the catalog's names never parse to the others). */
function fromSchedule(kind: string, target: string, where: string): ScheduleOwnFault {
  const fault = scheduledFault(kind, target, where);
  if (fault.kind === 'one-way' || fault.kind === 'graceful stop' || fault.kind === 'surge')
    throw new TableError(`${where}: "${kind}" is a scenario schedule's fault; the chaos CLI names it one-way cut, restart or membership surge`);
  return fault;
}

const LINKS = '"clients → region east", "region west" or "region east ↔ region west"';

function twoSides(target: string, where: string): readonly [string, string] {
  const parts = target.split('/').map((p) => p.trim());
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw new TableError(`${where}: target "${target}" must name two sides separated by "/", e.g. "region west / everyone else"`);
  return [parts[0], parts[1]];
}

function describe(name: FaultName, raw: RawRequest, fault: GameDayFault): string {
  switch (fault.kind) {
    case 'latency':
      return `latency ${fault.latencyMs} ms${fault.jitterMs ? ` ± ${fault.jitterMs} ms` : ''} on ${describeLink(fault.link)}`;
    case 'bandwidth':
      return `bandwidth ${fault.kbPerSecond} KB/s on ${describeLink(fault.link)}`;
    case 'loss':
      return `packet loss ${fault.percent}% between ${fault.sides.join(' and ')}`;
    case 'leader kill':
      return `leader kill of ${fault.scope}`;
    case 'membership surge':
      return `membership surge of ${fault.count} nodes into region ${fault.region}, one every ${fault.everyMs} ms`;
    case 'bridge':
      return `bridge via ${fault.via} between ${fault.sides.join(' and ')}`;
    case 'majorities ring':
      return 'majorities ring of every relay node';
    default:
      return `${name}${raw.target ? ` of ${raw.target.trim()}` : ''}`;
  }
}
