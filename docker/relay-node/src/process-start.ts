// The start time reported as process_start_time_seconds. At start the node records its start in
// STARTED_AT_FILE when the file is absent (it survives a container restart, not a new container).
// Normally the metric is this process's own start, so a scraper sees a restart (and that counters
// began again from 0); the seeded defect `hidden-counter-reset` reports the recorded first start
// instead, hiding the restart, and `start-time-reads-boot-time` reads the start from /proc with the
// stat field off by one, which yields the machine's boot time (the same for every start).
import { readFileSync, writeFileSync } from 'node:fs';
import type { Defects } from './defects';
import { errorMessage, type Logger } from './log';
import { processStartSeconds } from './metrics';

export const STARTED_AT_FILE = '/tmp/relay-started-at';

export interface StartTimeOptions {
  /** hidden-counter-reset and start-time-reads-boot-time act here. */
  defects: Defects;
  /** /proc/self/stat and /proc/stat (default: read them). */
  proc?: { selfStat: string; stat: string };
  file?: string;
  /** This process's start in unix seconds (default: the real one). */
  realSeconds?: number;
  log?: Logger;
}

export function reportedStartTime(options: StartTimeOptions): number {
  const file = options.file ?? STARTED_AT_FILE;
  const real = options.realSeconds ?? processStartSeconds();
  let recorded: number | undefined;
  try {
    const text = readFileSync(file, 'utf8').trim();
    recorded = /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
    if (recorded === undefined) options.log?.warn('ignoring a malformed start-time file', { file, content: text.slice(0, 40) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.log?.warn('start-time file unreadable', { file, error: errorMessage(error) });
    try {
      writeFileSync(file, `${real}\n`, { flag: 'wx' });
    } catch (writeError) {
      options.log?.warn('could not record the start time', { file, error: errorMessage(writeError) });
    }
  }
  if (options.defects.has('start-time-reads-boot-time')) {
    const fromProc = procStartSeconds(options.proc ?? readProc());
    if (fromProc !== undefined) return fromProc;
  }
  return options.defects.has('hidden-counter-reset') && recorded !== undefined ? recorded : real;
}

/** Clock ticks per second (USER_HZ): 100 on Linux everywhere in practice. */
const TICKS_PER_SECOND = 100;

/**
 * Seeded defect start-time-reads-boot-time: the start as boot time (`btime` of /proc/stat) plus the
 * process's `starttime` ticks, but counted from the wrong end: fields after `comm` begin at field 3,
 * so starttime (field 22) is index 19; index 18 is field 21, itrealvalue, which is always 0.
 */
export function procStartSeconds(proc: { selfStat: string; stat: string }): number | undefined {
  const btime = /^btime (\d+)$/m.exec(proc.stat)?.[1];
  const fields = proc.selfStat.slice(proc.selfStat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[18]);
  if (btime === undefined || !Number.isFinite(ticks)) return undefined;
  return Number(btime) + ticks / TICKS_PER_SECOND;
}

function readProc(): { selfStat: string; stat: string } {
  try {
    return { selfStat: readFileSync('/proc/self/stat', 'utf8'), stat: readFileSync('/proc/stat', 'utf8') };
  } catch {
    return { selfStat: '', stat: '' }; // not Linux: the real start is reported
  }
}
