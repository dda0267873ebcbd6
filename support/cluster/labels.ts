// Every container, network and image the suite creates carries these labels, so that teardown, the
// Ctrl-C handler and the start-of-run sweep can find exactly what belongs to the suite and nothing else.
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';

export const LABEL = {
  suite: 'omnirelay.hyperscale',
  run: 'omnirelay.hyperscale.run',
  pid: 'omnirelay.hyperscale.pid',
  host: 'omnirelay.hyperscale.host',
  /** The pid namespace the pid label counts in: a suite in a container shares the host's name, not its pids. */
  pidns: 'omnirelay.hyperscale.pidns',
  scenario: 'omnirelay.hyperscale.scenario',
  topology: 'omnirelay.hyperscale.topology',
  node: 'omnirelay.hyperscale.node',
  image: 'omnirelay.hyperscale.image',
  sourceHash: 'omnirelay.hyperscale.source-hash',
  /** The runner container a run ran in (`npm run bdd:container`): its pid is not one of this host's. */
  runner: 'omnirelay.hyperscale.runner',
  /** The long-lived chaos environment (`npm run chaos:up`) a container, network or volume belongs to: its compose project. */
  chaos: 'omnirelay.hyperscale.chaos',
  /** What a chaos environment's container runs: relay-node, etcd, fault-proxy, chaos-control, otlp-receiver, prometheus, grafana. */
  service: 'omnirelay.hyperscale.service',
} as const;

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid'); // e.g. pid:[4026531836]
  } catch {
    return ''; // not Linux: pids are this machine's
  }
}

/**
 * Cucumber's parallel workers are threads of the coordinator's process (CUCUMBER_PARALLEL, set by cucumber
 * for them) that load this module afresh: they take the coordinator's run id from the environment it
 * handed them, so one run has one id on every label, the Ctrl-C handler and the sweep. Every other process
 * (a serial run, a bench, a sensitivity child) draws its own.
 */
const RUN_ID_ENV = 'OMNIRELAY_HYPERSCALE_RUN_ID';
const inherited = !isMainThread && process.env.CUCUMBER_PARALLEL === 'true' ? process.env[RUN_ID_ENV] : undefined;

/** Identity of this test run: one per `cucumber-js` (or bench) invocation, shared by its worker threads. */
export const RUN = {
  id:
    inherited ??
    `${new Date()
      .toISOString()
      .replace(/[-:TZ.]/g, '')
      .slice(0, 14)}-${randomBytes(3).toString('hex')}`,
  pid: process.pid,
  host: hostname(),
  pidns: pidNamespace(),
  /** Which parallel worker this thread is ('0', '1', …), or undefined in a serial run. */
  worker: process.env.CUCUMBER_PARALLEL === 'true' && !isMainThread ? process.env.CUCUMBER_WORKER_ID : undefined,
} as const;
// Cucumber copies this environment into the workers it starts after loading the support code.
process.env[RUN_ID_ENV] = RUN.id;

/** Set by `npm run bdd:container` inside its runner: the runner container's name. */
const RUNNER = process.env.OMNIRELAY_HYPERSCALE_RUNNER?.trim() || undefined;

export function runLabels(extra: Record<string, string> = {}): Record<string, string> {
  return {
    [LABEL.suite]: 'true',
    [LABEL.run]: RUN.id,
    [LABEL.pid]: String(RUN.pid),
    [LABEL.host]: RUN.host,
    [LABEL.pidns]: RUN.pidns,
    ...(RUNNER ? { [LABEL.runner]: RUNNER } : {}),
    ...extra,
  };
}

/** Docker names allow [a-zA-Z0-9_.-]; scenario names become readable, bounded slugs. */
export function slug(text: string, max = 40): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (s || 'x').slice(0, max).replace(/-+$/, '');
}
