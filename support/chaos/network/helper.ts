// Helper mode (netns.ts): one helper container per target joins the target's network namespace
// (NetworkMode container:<id>, NET_ADMIN) and runs iptables and the prober with docker exec. It needs no
// access to the engine's host: it works on Docker Desktop, a remote or rootless engine, and from a suite
// that itself runs in a container. A helper idles on `sleep infinity`, carries the target's run and
// scenario labels (so teardown, Ctrl-C and the next run's sweep remove it with the scenario) and serves
// every fault of the scenario on that target. A helper is bound to the namespace of the target's process
// it joined: a target that stopped or restarted since it was listed has no namespace to act on, which is
// NetnsGone, as nsenter reports it in host mode.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { docker } from '../../cluster/engine';
import { assertNotInterrupted } from '../../cluster/interrupt';
import { LABEL, runLabels } from '../../cluster/labels';
import type { ImageRef } from '../../cluster/images/image-cache';
import { HELPER_NODE } from '../../cluster/images/netfault-helper';
import { NetnsGoneError } from './iptables';
import type { ExecResult, NetnsCommand, NetnsExec, NetnsMember } from './netns';

/** Label on helper containers (value: the target's node id), so evidence and sweeps can tell them apart. */
export const HELPER_LABEL = 'omnirelay.hyperscale.netfault-helper';

export class HelperNetns implements NetnsExec {
  readonly mode = 'helper';
  readonly node = HELPER_NODE;
  /** By target container id and the pid whose namespace the helper joined. */
  private readonly helpers = new Map<string, Promise<Docker.Container>>();

  constructor(private readonly image: ImageRef) {}

  async run(member: NetnsMember, { program, args, timeoutMs, env = {}, input }: NetnsCommand): Promise<ExecResult> {
    const helper = await this.helperFor(member, [program, ...args].join(' '));
    return execIn(helper, [program, ...args], env, input, timeoutMs);
  }

  /** Nothing to check on the host: the helper joins each namespace through the engine. */
  async assertUsable(): Promise<void> {}

  describe(): string {
    return `helper (${this.image.ref}, ${this.image.origin}): a container joins each target's network namespace`;
  }

  private helperFor(member: NetnsMember, command: string): Promise<Docker.Container> {
    const key = `${member.containerId}/${member.pid}`;
    let helper = this.helpers.get(key);
    if (!helper) {
      helper = this.start(member, command);
      this.helpers.set(key, helper);
      // A failed start is not cached: the next fault asks again.
      helper.catch(() => this.helpers.delete(key));
    }
    return helper;
  }

  private async start(member: NetnsMember, command: string): Promise<Docker.Container> {
    const gone = (why: string) => new NetnsGoneError(member, command, null, why);
    const target = await targetState(member);
    if (target.gone) throw gone(target.gone);
    const labels = Object.fromEntries(
      Object.entries(target.labels).filter(([k]) => k.startsWith(`${LABEL.suite}.`) && k !== LABEL.node && k !== LABEL.topology),
    );
    assertNotInterrupted(`a network-fault helper for ${member.name}`);
    const helper = await docker().createContainer({
      name: `${member.name}-netfault-${member.pid}`,
      Image: this.image.ref,
      Cmd: ['sleep', 'infinity'],
      // The run's own labels too: a target that belongs to no run (the chaos environment's) still gets a helper
      // the sweep removes once this process is gone.
      Labels: { ...labels, ...runLabels(), [HELPER_LABEL]: member.id },
      HostConfig: { NetworkMode: `container:${member.containerId}`, CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'] },
    });
    try {
      await helper.start();
    } catch (e) {
      await helper.remove({ force: true }).catch(() => undefined);
      // The target went down between the inspect and the join (a crash at the same instant): the engine
      // says so in several ways ("is not running", "lstat /proc/<pid>/ns/net: no such file"); ask again.
      // The engine may still call it running for a moment after its process died: the message is evidence too.
      const now = await targetState(member);
      const message = (e as Error).message.trim();
      if (now.gone) throw gone(`${now.gone} (${message})`);
      if (/ns\/net: no such file|is not running|cannot join network/i.test(message)) throw gone(message);
      throw e;
    }
    return helper;
  }
}

/** The target as the engine reports it now: gone (why) unless it runs the process the member was listed with. */
async function targetState(member: NetnsMember): Promise<{ gone?: string; labels: Record<string, string> }> {
  let target: Docker.ContainerInspectInfo;
  try {
    target = await docker().getContainer(member.containerId).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return { gone: `container ${member.name} no longer exists`, labels: {} };
    throw e;
  }
  const labels = target.Config.Labels ?? {};
  if (!target.State.Running) return { gone: `container ${member.name} is not running (${target.State.Status})`, labels };
  if (target.State.Pid !== member.pid) return { gone: `container ${member.name} restarted (pid ${member.pid} is now ${target.State.Pid})`, labels };
  return { labels };
}

/** `docker exec` of `cmd` with `input` on stdin; the exit code read back once the streams end. */
async function execIn(container: Docker.Container, cmd: string[], env: NodeJS.ProcessEnv, input: string | undefined, timeoutMs: number): Promise<ExecResult> {
  const exec = await container.exec({
    Cmd: cmd,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v ?? ''}`),
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: input !== undefined,
  });
  const stream = await exec.start({ hijack: true, stdin: input !== undefined });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  docker().modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      stream.destroy();
      resolve(false);
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
  if (input !== undefined) stream.end(input);
  const finished = await ended;
  const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
  if (!finished) return { code: null, stdout: text(out), stderr: text(err).trim(), killed: true };
  // The stream ends as the process exits; the engine may report it running for a moment longer.
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running) return { code: info.ExitCode ?? null, stdout: text(out), stderr: text(err).trim(), killed: false };
    await new Promise((r) => setTimeout(r, 10));
  }
  return { code: null, stdout: text(out), stderr: text(err).trim(), killed: true };
}
