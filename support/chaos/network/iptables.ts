// Execution: runs planned iptables steps inside containers' network namespaces, reached the way this run
// reaches them (netns.ts: nsenter from the host, or a helper container that joins the namespace), as one
// listing and one iptables-restore transaction per container. Target images need no iptables of their own.
import { netns, NetworkFaultHostError, hostRequirements, type ExecResult, type NetnsMember } from './netns';
import { renderArgs, type IptablesArgs, type IptablesStep } from './plan';

export { NetworkFaultHostError, type ExecResult };

/** Seconds iptables waits for the xtables lock (iptables-legacy; harmless with iptables-nft). */
const LOCK_WAIT_S = '5';
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** An iptables (or nsenter) command failed in a container's netns. */
export class IptablesError extends Error {
  override name = 'IptablesError';
  constructor(
    readonly member: NetnsMember,
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

/** `program` (iptables or iptables-restore) in the member's netns; nsenter's own failures become typed errors. */
async function xtables(
  member: NetnsMember,
  program: 'iptables' | 'iptables-restore',
  args: readonly string[],
  command: string,
  timeoutMs: number,
  input?: string,
): Promise<ExecResult> {
  const result = await netns().run(member, { program, args: ['-w', LOCK_WAIT_S, ...args], timeoutMs, input });
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

function iptables(member: NetnsMember, args: IptablesArgs, timeoutMs: number): Promise<ExecResult> {
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
export async function runSteps(member: NetnsMember, steps: readonly IptablesStep[], timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<string[]> {
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

async function runOneByOne(member: NetnsMember, steps: readonly IptablesStep[], timeoutMs: number): Promise<string[]> {
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
export async function listRules(member: NetnsMember, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<string> {
  const args = ['-S'];
  const r = await iptables(member, args, timeoutMs);
  if (r.code !== 0) throw new IptablesError(member, renderArgs(args), r.code, r.stderr);
  return r.stdout;
}

/**
 * Fails with what is needed unless this run can reach the members' network namespaces (host mode: Linux,
 * root, nsenter + iptables, each member's netns visible here; helper mode: always, the helper joins them).
 */
export function assertCanPartition<M extends NetnsMember>(
  members: readonly M[] = [],
  stillRunning: (member: M) => Promise<boolean> = () => Promise.resolve(true),
): Promise<void> {
  return netns().assertUsable(members, stillRunning);
}
