// Readiness through an HTTP endpoint (the contract's `/readyz`, etcd's `/health`), polled over the port
// published on 127.0.0.1 with a deadline. A container that exits meanwhile fails the wait at once. On
// failure the error carries the container's state and log tail: testcontainers removes a container
// whose wait failed, so this is the only chance to keep its evidence.
import { publishedUrl } from './engine-host';
import type Dockerode from 'dockerode';
import type { BoundPorts, WaitStrategy } from 'testcontainers';
import { eventually, judge } from '../checks/eventually';
import { containerLogs } from './logs';

export async function probeHttp(url: string, timeoutMs = 500): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body };
}

export function waitForHttpOk(url: string, what: string, timeoutMs: number, intervalMs = 100) {
  return eventually(
    `${what} answers 200`,
    () => probeHttp(url),
    (r) => judge(r.status === 200 ? [] : [`HTTP ${r.status}`]),
    {
      timeoutMs,
      intervalMs,
    },
  );
}

export class ReadinessError extends Error {
  override name = 'ReadinessError';
  constructor(
    message: string,
    /** The container's state and log tail at the moment the wait failed. */
    readonly evidence: string,
  ) {
    super(message);
  }
}

class ContainerExited extends Error {}

/** A testcontainers wait strategy: `GET path` on the published port answers 200. */
export class HttpOkWaitStrategy implements WaitStrategy {
  private startupTimeoutMs = 60_000;
  private timeoutSet = false;

  constructor(
    private readonly path: string,
    private readonly port: number,
    private readonly what: string,
  ) {}

  withStartupTimeout(ms: number): this {
    this.startupTimeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs;
  }

  async waitUntilReady(container: Dockerode.Container, boundPorts: BoundPorts): Promise<void> {
    const url = `${publishedUrl(boundPorts.getBinding(this.port))}${this.path}`;
    const exited = new AbortController();
    try {
      await eventually(
        `${this.what} ${this.path} answers 200`,
        async () => {
          try {
            return await probeHttp(url);
          } catch (error) {
            const { State } = await container.inspect();
            if (!State.Running && !State.Restarting) {
              exited.abort(
                new ContainerExited(`${this.what} exited (code ${State.ExitCode}${State.Error ? `, ${State.Error}` : ''}) before answering ${this.path}`),
              );
            }
            throw error;
          }
        },
        (r) => judge(r.status === 200 ? [] : [`HTTP ${r.status}`]),
        { timeoutMs: this.startupTimeoutMs, intervalMs: 100, signal: exited.signal },
      );
    } catch (error) {
      const cause = exited.signal.aborted ? (exited.signal.reason as Error) : (error as Error);
      throw new ReadinessError(cause.message, await describe(container));
    }
  }
}

async function describe(container: Dockerode.Container): Promise<string> {
  try {
    const { State } = await container.inspect();
    const logs = await containerLogs(container.id, 200);
    return `state: ${State.Status} (exit code ${State.ExitCode}, restarts ${State.Restarting ? 'in progress' : 'none pending'})\n${logs}`;
  } catch (error) {
    return `(container state unavailable: ${(error as Error).message})`;
  }
}
