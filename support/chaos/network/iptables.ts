// Execution: runs planned iptables steps inside containers' network namespaces, entered from the host
// with `nsenter -t <pid> -n` (root, Linux, the engine's containers visible as local processes). Only the
// network namespace is entered: the host's own iptables, bash and timeout binaries run, so target
// images need none of them.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { renderArgs, type IptablesArgs, type IptablesStep } from './plan';
import type { Member } from './types';

/** Seconds iptables waits for the xtables lock (iptables-legacy; harmless with iptables-nft). */
const LOCK_WAIT_S = '5';
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** The host cannot run partitions: says what is missing and how to get it. */
export class NetworkFaultHostError extends Error {
  override name = 'NetworkFaultHostError';
}

/** An iptables (or nsenter) command failed in a container's netns. */
export class IptablesError extends Error {
  override name = 'IptablesError';
  constructor(
    readonly member: Pick<Member, 'id' | 'pid'>,
    readonly command: string,
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(`iptables in ${member.id}'s netns (pid ${member.pid}) failed: \`${command}\` exited ${exitCode}${stderr ? `: ${stderr}` : ''}`);
  }
}

/** The container's netns is gone (it stopped or was removed): nothing left to heal there. */
export class NetnsGoneError extends IptablesError {
  override name = 'NetnsGoneError';
}

export interface ExecResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed on the timeout. */
  readonly killed: boolean;
}

/** The host's sbin directories hold iptables; a non-login root shell may not have them on PATH. */
function hostEnv(): NodeJS.ProcessEnv {
  const path = process.env.PATH ?? '/usr/bin:/bin';
  const extra = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].filter((d) => !path.split(':').includes(d));
  return { ...process.env, PATH: [path, ...extra].join(':'), LC_ALL: 'C' };
}

/** Runs a program; never rejects on a non-zero exit (the code says), only when it cannot be started. */
export function run(program: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(program, [...args], { timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...hostEnv(), ...env }, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof (error as NodeJS.ErrnoException).code === 'string') return reject(error);
      const code = error ? ((error as { code?: number | null }).code ?? null) : 0;
      resolve({ code, stdout, stderr: stderr.trim(), killed: Boolean(error && (error as { killed?: boolean }).killed) });
    });
  });
}

/** Runs `program args…` in the member's network namespace (`env` added to the host's). */
export async function runInNetns(
  member: Pick<Member, 'id' | 'pid'>,
  program: string,
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<ExecResult> {
  try {
    return await run('nsenter', ['-t', String(member.pid), '-n', program, ...args], timeoutMs, env);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NetworkFaultHostError(hostRequirements(['nsenter is not installed']));
    throw e;
  }
}

async function iptables(member: Pick<Member, 'id' | 'pid'>, args: IptablesArgs, timeoutMs: number): Promise<ExecResult> {
  const result = await runInNetns(member, 'iptables', ['-w', LOCK_WAIT_S, ...args], timeoutMs);
  if (result.code !== 0 && /^nsenter: /m.test(result.stderr)) {
    const command = renderArgs(args);
    if (/cannot open \/proc\/\d+\/ns\/net|No such process|reassociate to namespace/i.test(result.stderr)) {
      throw new NetnsGoneError(member, command, result.code, result.stderr);
    }
    if (/failed to execute iptables/i.test(result.stderr))
      throw new NetworkFaultHostError(hostRequirements([`nsenter could not run iptables: ${result.stderr}`]));
    throw new IptablesError(member, command, result.code, result.stderr);
  }
  if (result.killed) throw new IptablesError(member, renderArgs(args), `(killed after ${timeoutMs} ms)`, result.stderr);
  return result;
}

/**
 * Runs one container's steps in order; returns the commands that ran, as shell lines. A `when` check
 * that exits non-zero means "absent" (iptables -C / -L say so with codes 1 or 2).
 */
export async function runSteps(member: Pick<Member, 'id' | 'pid'>, steps: readonly IptablesStep[], timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<string[]> {
  const ran: string[] = [];
  for (const step of steps) {
    if (step.when) {
      const check = await iptables(member, step.when.check, timeoutMs);
      const present = check.code === 0;
      if (present !== (step.when.is === 'present')) continue;
    }
    for (const args of step.run) {
      const r = await iptables(member, args, timeoutMs);
      if (r.code !== 0) throw new IptablesError(member, renderArgs(args), r.code, r.stderr);
      ran.push(renderArgs(args));
    }
  }
  return ran;
}

/** `iptables -S` in the member's netns: every chain and rule of its filter table, as iptables lists them. */
export async function listRules(member: Pick<Member, 'id' | 'pid'>, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<string> {
  const args = ['-S'];
  const r = await iptables(member, args, timeoutMs);
  if (r.code !== 0) throw new IptablesError(member, renderArgs(args), r.code, r.stderr);
  return r.stdout;
}

let hostChecked: Promise<void> | undefined;

/**
 * Fails with what is needed unless this host can enter containers' netns and run iptables there: Linux,
 * root, nsenter + iptables, and each member's netns visible here (the probe runs this process's own node).
 */
export async function assertHostCanPartition<M extends Pick<Member, 'id' | 'pid' | 'name'>>(
  members: readonly M[] = [],
  stillRunning: (member: M) => Promise<boolean> = () => Promise.resolve(true),
): Promise<void> {
  hostChecked ??= checkHost().catch((e) => {
    hostChecked = undefined;
    throw e;
  });
  await hostChecked;
  const invisible: string[] = [];
  await Promise.all(
    members.map((m) =>
      access(`/proc/${m.pid}/ns/net`).catch(async () => {
        // A member that went down since it was listed (a crash at the same instant) is not a host problem.
        if (await stillRunning(m)) invisible.push(`${m.id} (${m.name}): pid ${m.pid} has no /proc/${m.pid}/ns/net on this host`);
      }),
    ),
  );
  if (invisible.length) {
    throw new NetworkFaultHostError(
      hostRequirements([
        ...invisible,
        "the engine's container processes are not visible from here: the engine runs in a VM (Docker Desktop), " +
          'on another host (DOCKER_HOST), or this process runs in a container without the host pid namespace',
      ]),
    );
  }
}

async function checkHost(): Promise<void> {
  const missing: string[] = [];
  if (process.platform !== 'linux') missing.push(`this host runs ${process.platform}, not Linux`);
  else if (process.getuid?.() !== 0) missing.push(`this process runs as uid ${process.getuid?.()}, not root`);
  if (process.platform === 'linux') {
    for (const [program, pkg] of [
      ['nsenter', 'util-linux'],
      ['iptables', 'iptables'],
    ] as const) {
      try {
        await run(program, ['--version'], 5_000);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') missing.push(`${program} is not installed (package ${pkg})`);
        else throw e;
      }
    }
  }
  if (missing.length) throw new NetworkFaultHostError(hostRequirements(missing));
}

export function hostRequirements(missing: readonly string[]): string {
  return [
    "Network partitions need iptables inside each container's network namespace, entered from this host with nsenter.",
    'Missing here:',
    ...missing.map((m) => `  - ${m}`),
    'Needed:',
    '  - a Linux host whose Docker engine runs the containers as local processes (not Docker Desktop, not a remote DOCKER_HOST)',
    '  - root: run the suite as root (e.g. `sudo -E npm run bdd`)',
    "  - nsenter and iptables on the host: `apt-get install iptables util-linux` (the probe runs this process's own node)",
    'On Docker Desktop (macOS/Windows) or a remote engine, the rules would have to be applied from a helper container that joins',
    "each target's network namespace with NET_ADMIN; that approach is designed but NOT implemented: partition scenarios cannot run there.",
  ].join('\n');
}
