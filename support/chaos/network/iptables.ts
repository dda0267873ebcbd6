// Execution: runs planned iptables steps inside containers' network namespaces, entered from the host
// with `nsenter -t <pid> -n` (root, Linux, the engine's containers visible as local processes), as one
// listing and one iptables-restore transaction per container. Only the network namespace is entered:
// the host's own iptables binaries run, so target images need none of them.
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

/** Runs a program (`input` on its stdin); never rejects on a non-zero exit (the code says), only when it cannot be started. */
export function run(program: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}, input?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      [...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...hostEnv(), ...env }, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof (error as NodeJS.ErrnoException).code === 'string') return reject(error);
        const code = error ? ((error as { code?: number | null }).code ?? null) : 0;
        resolve({ code, stdout, stderr: stderr.trim(), killed: Boolean(error && (error as { killed?: boolean }).killed) });
      },
    );
    child.stdin?.on('error', () => undefined); // a program that exits without reading: its exit code says why
    child.stdin?.end(input ?? '');
  });
}

/** Runs `program args…` in the member's network namespace (`env` added to the host's). */
export async function runInNetns(
  member: Pick<Member, 'id' | 'pid'>,
  program: string,
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<ExecResult> {
  try {
    return await run('nsenter', ['-t', String(member.pid), '-n', program, ...args], timeoutMs, env, input);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NetworkFaultHostError(hostRequirements(['nsenter is not installed']));
    throw e;
  }
}

/** `program` (iptables or iptables-restore) in the member's netns; nsenter's own failures become typed errors. */
async function xtables(
  member: Pick<Member, 'id' | 'pid'>,
  program: 'iptables' | 'iptables-restore',
  args: readonly string[],
  command: string,
  timeoutMs: number,
  input?: string,
): Promise<ExecResult> {
  const result = await runInNetns(member, program, ['-w', LOCK_WAIT_S, ...args], timeoutMs, {}, input);
  if (result.code !== 0 && /^nsenter: /m.test(result.stderr)) {
    if (/cannot open \/proc\/\d+\/ns\/net|No such process|reassociate to namespace/i.test(result.stderr)) {
      throw new NetnsGoneError(member, command, result.code, result.stderr);
    }
    if (/failed to execute/i.test(result.stderr)) throw new NetworkFaultHostError(hostRequirements([`nsenter could not run ${program}: ${result.stderr}`]));
    throw new IptablesError(member, command, result.code, result.stderr);
  }
  if (result.killed) throw new IptablesError(member, command, `(killed after ${timeoutMs} ms)`, result.stderr);
  return result;
}

function iptables(member: Pick<Member, 'id' | 'pid'>, args: IptablesArgs, timeoutMs: number): Promise<ExecResult> {
  return xtables(member, 'iptables', args, renderArgs(args), timeoutMs);
}

/**
 * Answers a `when` check the planner writes (`-n -L <chain>`, `-C <hook> -j <chain>`) from one `iptables
 * -S` listing; undefined for any other shape.
 */
export function presentInListing(listing: ReadonlySet<string>, check: IptablesArgs): boolean | undefined {
  if (check.length === 3 && check[0] === '-n' && check[1] === '-L') return listing.has(`-N ${check[2]}`);
  if (check.length === 4 && check[0] === '-C' && check[2] === '-j') return listing.has(`-A ${check[1]} -j ${check[3]}`);
  return undefined;
}

/** The `iptables-restore --noflush` input that runs `commands` in the filter table as one transaction. */
export function restoreInput(commands: readonly IptablesArgs[]): string {
  return ['*filter', ...commands.map((args) => args.join(' ')), 'COMMIT', ''].join('\n');
}

/**
 * Runs one container's steps; returns the commands that ran, as shell lines. The steps' checks are read
 * from one `iptables -S` listing and the commands they leave run as one `iptables-restore --noflush`
 * transaction: two processes per container instead of one per command (a region split was ~20 per
 * container, about a second on a 2-core machine), and the container's rules change all at once. Steps
 * with checks of other shapes run one command at a time, where a check that exits non-zero means
 * "absent" (iptables -C / -L say so with codes 1 or 2).
 */
export async function runSteps(member: Pick<Member, 'id' | 'pid'>, steps: readonly IptablesStep[], timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<string[]> {
  const checks = steps.flatMap((step) => (step.when ? [step.when.check] : []));
  if (checks.some((check) => presentInListing(new Set(), check) === undefined)) return runOneByOne(member, steps, timeoutMs);
  const listing = checks.length > 0 ? new Set((await listRules(member, timeoutMs)).split('\n').map((line) => line.trim())) : new Set<string>();
  const commands = steps.flatMap((step) => (!step.when || presentInListing(listing, step.when.check) === (step.when.is === 'present') ? step.run : []));
  if (commands.length === 0) return [];
  const ran = commands.map(renderArgs);
  const r = await xtables(member, 'iptables-restore', ['--noflush'], ran.join(' && '), timeoutMs, restoreInput(commands));
  if (r.code !== 0) throw new IptablesError(member, `iptables-restore --noflush <<< ${ran.join('; ')}`, r.code, r.stderr);
  return ran;
}

async function runOneByOne(member: Pick<Member, 'id' | 'pid'>, steps: readonly IptablesStep[], timeoutMs: number): Promise<string[]> {
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
      ['iptables-restore', 'iptables'],
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
