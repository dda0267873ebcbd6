// The start time reported as process_start_time_seconds. At start the node records its start in
// STARTED_AT_FILE when the file is absent (it survives a container restart, not a new container).
// Normally the metric is this process's own start, so a scraper sees a restart (and that counters
// began again from 0); the seeded defect `hidden-counter-reset` reports the recorded first start
// instead, hiding the restart.
import { readFileSync, writeFileSync } from "node:fs";
import { errorMessage, type Logger } from "./log";
import { processStartSeconds } from "./metrics";

export const STARTED_AT_FILE = "/tmp/relay-started-at";

export interface StartTimeOptions {
  /** Seeded defect hidden-counter-reset. */
  hidden: boolean;
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
    const text = readFileSync(file, "utf8").trim();
    recorded = /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
    if (recorded === undefined) options.log?.warn("ignoring a malformed start-time file", { file, content: text.slice(0, 40) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") options.log?.warn("start-time file unreadable", { file, error: errorMessage(error) });
    try {
      writeFileSync(file, `${real}\n`, { flag: "wx" });
    } catch (writeError) {
      options.log?.warn("could not record the start time", { file, error: errorMessage(writeError) });
    }
  }
  return options.hidden && recorded !== undefined ? recorded : real;
}
