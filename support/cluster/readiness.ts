// Readiness through the contract's `/readyz`, polled over the port published on 127.0.0.1 with a
// deadline. On expiry the error carries the last status and body (the node's own list of issues).
import type Dockerode from 'dockerode';
import type { BoundPorts, WaitStrategy } from 'testcontainers';
import { eventually, judge } from '../checks/eventually';

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
  return eventually(`${what} answers 200`, () => probeHttp(url), (r) => judge(r.status === 200 ? [] : [`HTTP ${r.status}`]), {
    timeoutMs,
    intervalMs,
  });
}

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

  async waitUntilReady(_container: Dockerode.Container, boundPorts: BoundPorts): Promise<void> {
    const url = `http://127.0.0.1:${boundPorts.getBinding(this.port)}${this.path}`;
    await waitForHttpOk(url, `${this.what} ${this.path}`, this.startupTimeoutMs);
  }
}
