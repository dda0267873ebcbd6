// A fault-proxy on a free port plus a toxiproxy-node-client pointed at it, torn down after each test.
import type { TestContext } from 'node:test';
import { Toxiproxy, type ICreateToxicBody, type Proxy } from 'toxiproxy-node-client';
import { startFaultProxy, type FaultProxy } from '../server';
import { portOf, startUpstream, echo, TestClient, type TestServer } from './net';

export interface Fixture {
  readonly server: FaultProxy;
  readonly url: string;
  readonly client: Toxiproxy;
  readonly upstream: TestServer;
}

/** Starts a fault-proxy and an echo upstream (or the given upstream) for one test. */
export async function fixture(t: TestContext, upstream?: TestServer): Promise<Fixture> {
  const server = await startFaultProxy({ host: '127.0.0.1', port: 0 });
  const target = upstream ?? (await startUpstream(echo));
  t.after(async () => {
    await server.close();
    await target.close();
  });
  return { server, url: server.url, client: new Toxiproxy(server.url), upstream: target };
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json<T = unknown>(): T;
}

/** Plain fetch against the API. */
export async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** A toxic body for the client, with only the fields a test cares about. */
export const toxic = <T>(body: Partial<ICreateToxicBody<T>>): ICreateToxicBody<T> => body as ICreateToxicBody<T>;

/** One proxy "svc" in front of the upstream, and a way to open client connections through it (closed after the test). */
export async function proxied(t: TestContext, upstream?: TestServer): Promise<{ proxy: Proxy; connect: () => Promise<TestClient> }> {
  const { client, upstream: target } = await fixture(t, upstream);
  const proxy = await client.createProxy({ name: 'svc', listen: '127.0.0.1:0', upstream: target.address });
  const clients: TestClient[] = [];
  t.after(() => clients.forEach((c) => c.destroy()));
  return {
    proxy,
    connect: async () => {
      const c = await TestClient.connect(portOf(proxy.listen));
      clients.push(c);
      return c;
    },
  };
}
