import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { OpHistory, ScenarioClock } from '../checks/history';
import { FewestPending, RoundRobin, seededRng } from './choosers';
import { LoadDriver, type DriverPeer } from './load-driver';
import { isRetryable, retryAfterMs, retryDelayMs } from './retry-policy';
import { Traffic } from './traffic';

/**
 * A fake relay node: echo answers 200 with the body; `status::<code>` answers that status; `drain`
 * answers 503 + x-mesh-outcome: not-applied; `slow::call {ms}` waits first. Every answer names the node.
 * `flaky::<n>` answers its first n tries of each body 503 + Rpc-Status Unavailable, then echoes;
 * `busy::<n>` does the same with Retry-After: 1; `throttle::<n>` answers them 429 ResourceExhausted with
 * Retry-After: 1 and X-Mesh-Throttled naming west/west-1/shard-7 (backpressure). `arrivals` has every request's procedure, body and time.
 */
async function fakeRelay(id: string) {
  let active = 0;
  let maxActive = 0;
  let requests = 0;
  const shardKeys: string[] = [];
  const arrivals: { procedure: string; body: string; atMs: number }[] = [];
  const triesOf = new Map<string, number>();
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    // Not an async listener (its rejection would go unhandled): a failing answer resets the connection instead.
    req.on('end', () => void answer().catch((e: Error) => res.destroy(e)));
    const answer = async () => {
      requests++;
      active++;
      maxActive = Math.max(maxActive, active);
      const procedure = String(req.headers['rpc-procedure'] ?? '');
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.headers['rpc-shard-key']) shardKeys.push(String(req.headers['rpc-shard-key']));
      arrivals.push({ procedure, body: text, atMs: performance.now() });
      const failFirst = /^(flaky|busy|throttle)::(\d+)$/.exec(procedure);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-mesh-node': id };
      let status = 200;
      let body = text;
      const code = /^status::(\d{3})$/.exec(procedure)?.[1];
      if (code) {
        status = Number(code);
        headers['rpc-status'] = status === 404 ? 'NotFound' : 'Internal';
        body = JSON.stringify({ message: 'as asked', status: 'X' });
      } else if (failFirst) {
        const tries = (triesOf.get(procedure + text) ?? 0) + 1;
        triesOf.set(procedure + text, tries);
        if (tries <= Number(failFirst[2])) {
          status = 503;
          headers['rpc-status'] = 'Unavailable';
          if (failFirst[1] === 'busy') headers['retry-after'] = '1';
          if (failFirst[1] === 'throttle') {
            status = 429;
            Object.assign(headers, {
              'rpc-status': 'ResourceExhausted',
              'retry-after': '1',
              'x-mesh-throttled': 'west/west-1/shard-7',
              'x-mesh-outcome': 'not-applied',
            });
          }
          body = JSON.stringify({ message: `try ${tries}` });
        }
      } else if (procedure === 'drain') {
        status = 503;
        Object.assign(headers, { 'rpc-status': 'Unavailable', 'retry-after': '1', 'x-mesh-outcome': 'not-applied' });
        body = JSON.stringify({ message: 'node is draining' });
      } else if (procedure === 'slow::call') {
        await new Promise((r) => setTimeout(r, (JSON.parse(text) as { ms: number }).ms));
      } else if (procedure !== 'echo') {
        status = 501;
        headers['rpc-status'] = 'Unimplemented';
      }
      res.writeHead(status, headers).end(body);
      active--;
    };
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const peer: DriverPeer = { id, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  return {
    peer,
    stats: () => ({ requests, maxActive, active, connections }),
    shardKeys,
    arrivals,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const traffic = (ops: unknown[]) => Traffic.parse({ name: 'test', description: 'unit test traffic', ops }, 'inline');
const echo = traffic([{ procedure: 'echo', body: { uid: '{uid}', n: '{n}' } }]);

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('1,000 virtual clients for 1 s finish cleanly', { timeout: 30_000 }, async () => {
  const a = await fakeRelay('node-a');
  const b = await fakeRelay('node-b');
  try {
    const history = new OpHistory(new ScenarioClock());
    const lines: string[] = [];
    // A generous call timeout: on a loaded 2-core machine a first call may wait a while for its connection.
    const driver = new LoadDriver({
      peers: [a.peer, b.peer],
      traffic: echo,
      clients: 1_000,
      durationMs: 1_000,
      callTimeoutMs: 15_000,
      history,
      log: (l) => lines.push(l),
      progressEveryMs: 400,
    });
    const summary = await driver.run();
    assert.equal(summary.inFlight, 0);
    assert.ok(summary.calls >= 1_000, `every client made at least one call: ${summary.calls}`);
    assert.deepEqual(summary.counts, { ok: summary.calls, fail: 0, info: 0 });
    assert.ok(summary.elapsedMs >= 1_000 && summary.elapsedMs < 15_000, `elapsed ${summary.elapsedMs} ms`);
    assert.equal(history.ops.length, summary.calls);
    assert.ok(history.ops.every((op) => op.outcome === 'ok' && op.completeMs !== undefined));
    assert.equal(new Set(history.ops.map((op) => op.process)).size, 1_000);
    assert.equal(summary.latency.count, summary.calls);
    assert.ok(summary.latency.p50Ms > 0 && summary.latency.p50Ms <= summary.latency.p99Ms && summary.latency.p99Ms <= summary.latency.maxMs);
    assert.equal(a.stats().requests + b.stats().requests, summary.calls);
    assert.ok(Math.abs(a.stats().requests - b.stats().requests) <= 1, 'round robin by default');
    // Each client holds at most one connection at a time and a released one may pass to a waiting client:
    // more than one wave of connection attempts (128 per peer), never more than one per client per peer.
    const connections = a.stats().connections + b.stats().connections;
    assert.ok(connections > 256 && connections <= 2_000, `calls ran concurrently over keep-alive sockets: ${connections} connections`);
    assert.equal(summary.byProcedure.echo?.ok, summary.calls);
    assert.equal(summary.statuses['200'], summary.calls);
    assert.ok(lines.length >= 2, lines.join('\n'));
    assert.match(lines.at(-1)!, /^load: \d+\.\d s, [\d,]+ ok \/ 0 fail \/ 0 info, [\d,]+\/s, p50 [\d.]+ ms p99 [\d.]+ ms \(done\)$/);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('history records each call: process, procedure, target, body, parsed result with servedBy', async () => {
  const a = await fakeRelay('node-a');
  try {
    const history = new OpHistory(new ScenarioClock());
    const summary = await new LoadDriver({ peers: [a.peer], traffic: echo, clients: 2, maxOps: 4, history }).run();
    assert.equal(summary.calls, 4);
    const op = history.ops.find((o) => o.process === 'vc-2')!;
    assert.equal(op.f, 'echo');
    assert.equal(op.target, 'node-a');
    assert.deepEqual(op.value, { uid: 'c2-n1', n: '1' });
    assert.equal('shardKey' in op, false, 'no shard key, no field');
    assert.deepEqual(op.result, { uid: 'c2-n1', n: '1', servedBy: 'node-a' });
    assert.equal(op.outcome, 'ok');
  } finally {
    await a.close();
  }
});

test('outcomes follow outcome.ts: 4xx and not-applied fail, other 5xx and timeouts info', async () => {
  const a = await fakeRelay('node-a');
  try {
    const history = new OpHistory(new ScenarioClock());
    const mix = traffic([
      { procedure: 'status::404', body: {} },
      { procedure: 'drain', body: {} },
      { procedure: 'status::500', body: {} },
      { procedure: 'slow::call', body: { ms: 400 } },
      { procedure: 'echo', body: 'plain' },
    ]);
    const summary = await new LoadDriver({
      peers: [a.peer],
      traffic: mix,
      clients: 1,
      maxOps: 5,
      history,
      callTimeoutMs: 150,
      chooser: new RoundRobin(['node-a'], { breaker: { failureThreshold: 100 } }),
    }).run();
    assert.deepEqual(
      history.ops.map((o) => [o.f, o.outcome, o.error]),
      [
        ['status::404', 'fail', 'HTTP 404 NotFound'],
        ['drain', 'fail', 'HTTP 503 Unavailable'],
        ['status::500', 'info', 'HTTP 500 Internal'],
        ['slow::call', 'info', 'timeout after 150 ms'],
        ['echo', 'ok', undefined],
      ],
    );
    assert.deepEqual(history.ops[4]!.result, { body: 'plain', servedBy: 'node-a' });
    assert.deepEqual(summary.counts, { ok: 1, fail: 2, info: 2 });
    assert.deepEqual(summary.statuses, { '200': 1, '404': 1, '500': 1, '503': 1, timeout: 1 });
    assert.equal(summary.latency.count, 4, 'latency counts answered calls only');
    assert.deepEqual(Object.keys(summary.byProcedure), ['drain', 'echo', 'slow::call', 'status::404', 'status::500']);
  } finally {
    await a.close();
  }
});

test('a route pins calls to a peer; pinned calls count as pending for the chooser', async () => {
  const a = await fakeRelay('node-a');
  const b = await fakeRelay('node-b');
  try {
    const mixed = traffic([
      { procedure: 'slow::call', shardKey: 'shard-42', body: { ms: 300 } },
      { procedure: 'echo', body: { uid: '{uid}' } },
    ]);
    const chooser = new FewestPending(['node-a', 'node-b'], { rng: seededRng(5) });
    // Clients 1-10 start with the slow pinned call to node-a; while those are in flight, fewest-pending
    // sends the other clients' echo calls to node-b.
    const pinnedFirst = traffic([{ procedure: 'slow::call', shardKey: 'shard-42', body: { ms: 300 } }]);
    const driverPinned = new LoadDriver({
      peers: [a.peer, b.peer],
      traffic: pinnedFirst,
      clients: 10,
      maxOps: 10,
      chooser,
      route: (op) => (op.shardKey === 'shard-42' ? 'node-a' : undefined),
    }).start();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(chooser.pending('node-a'), 10);
    const echoes = await new LoadDriver({ peers: [a.peer, b.peer], traffic: echo, clients: 5, maxOps: 50, chooser }).run();
    assert.deepEqual(echoes.byPeer, { 'node-b': { ok: 50, fail: 0, info: 0 } });
    await driverPinned.finished();
    assert.equal(a.shardKeys.length, 10);
    assert.ok(a.shardKeys.every((k) => k === 'shard-42'));
    const picks = chooser.picks();
    assert.equal(picks.filter((p) => p.pinned).length, 10);
    assert.ok(picks.filter((p) => p.pinned).every((p) => p.peer === 'node-a'));
    assert.deepEqual(chooser.pickShare(), { 'node-a': 10 / 60, 'node-b': 50 / 60 });
    // And a mixed traffic file: only the shard-keyed op is pinned.
    const history = new OpHistory(new ScenarioClock());
    await new LoadDriver({
      peers: [a.peer, b.peer],
      traffic: mixed,
      clients: 1,
      maxOps: 4,
      history,
      route: (op) => (op.shardKey ? 'node-b' : undefined),
    }).run();
    assert.deepEqual(
      history.ops.filter((o) => o.f === 'slow::call').map((o) => [o.target, o.shardKey]),
      [
        ['node-b', 'shard-42'],
        ['node-b', 'shard-42'],
      ],
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('a dead peer: calls are info, its breaker opens, the chooser sends everything to the live one', async () => {
  const live = await fakeRelay('live');
  const dead: DriverPeer = { id: 'dead', baseUrl: `http://127.0.0.1:${await deadPort()}` };
  try {
    const history = new OpHistory(new ScenarioClock());
    const chooser = new RoundRobin(['dead', 'live'], { clock: history.clock, breaker: { failureThreshold: 3, coolDownMs: 60_000 } });
    const summary = await new LoadDriver({ peers: [dead, live.peer], traffic: echo, clients: 1, maxOps: 40, history, chooser }).run();
    assert.deepEqual(summary.byPeer.dead, { ok: 0, fail: 0, info: 3 });
    assert.equal(summary.byPeer.live?.ok, 37);
    assert.equal(summary.statuses.ECONNREFUSED, 3);
    assert.match(history.ops[0]!.error!, /ECONNREFUSED/);
    assert.equal(chooser.breaker('dead').state, 'open');
    assert.deepEqual(
      chooser.breakerTransitions().map((t) => `${t.peer} ${t.to}`),
      ['dead open'],
    );
  } finally {
    await live.close();
  }
});

test('stop() stops issuing and waits for the calls in flight', async () => {
  const a = await fakeRelay('node-a');
  try {
    const history = new OpHistory(new ScenarioClock());
    const slow = traffic([{ procedure: 'slow::call', body: { ms: 250 } }]);
    const driver = new LoadDriver({ peers: [a.peer], traffic: slow, clients: 20, durationMs: 60_000, history }).start();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(driver.summary().inFlight, 20);
    const summary = await driver.stop();
    assert.equal(summary.inFlight, 0);
    assert.deepEqual(summary.counts, { ok: 20, fail: 0, info: 0 }, 'stop waited for the 20 answers: none was abandoned');
    assert.ok(history.ops.every((o) => o.outcome === 'ok'));
    assert.equal(driver.running, false);
    assert.equal(a.stats().active, 0);
  } finally {
    await a.close();
  }
});

test('an AbortSignal ends the run', async () => {
  const a = await fakeRelay('node-a');
  try {
    const controller = new AbortController();
    const driver = new LoadDriver({ peers: [a.peer], traffic: echo, clients: 10, durationMs: 60_000, signal: controller.signal, thinkTimeMs: 5 }).start();
    setTimeout(() => controller.abort(), 200);
    const summary = await driver.finished();
    assert.ok(summary.elapsedMs < 1_000, `${summary.elapsedMs} ms`);
    assert.ok(summary.calls > 10);
  } finally {
    await a.close();
  }
});

test('maxOps bounds the run exactly; think time and target rate slow it down', async () => {
  const a = await fakeRelay('node-a');
  try {
    const bounded = await new LoadDriver({ peers: [a.peer], traffic: echo, clients: 7, maxOps: 123 }).run();
    assert.equal(bounded.calls, 123);
    const thinking = await new LoadDriver({ peers: [a.peer], traffic: echo, clients: 4, durationMs: 500, thinkTimeMs: 100 }).run();
    assert.ok(thinking.calls >= 4 && thinking.calls <= 24, `4 clients × at most ~5 calls in 0.5 s at 100 ms think time: ${thinking.calls}`);
    const paced = await new LoadDriver({ peers: [a.peer], traffic: echo, clients: 50, durationMs: 1_000, targetRps: 200 }).run();
    assert.ok(paced.calls >= 100 && paced.calls <= 215, `at most ~200 calls at 200/s for 1 s: ${paced.calls}`);
  } finally {
    await a.close();
  }
});

test('progress lines every interval: cumulative counts, rate and percentiles over the last interval', async () => {
  const a = await fakeRelay('node-a');
  try {
    const lines: string[] = [];
    await new LoadDriver({ peers: [a.peer], traffic: echo, clients: 5, durationMs: 650, progressEveryMs: 200, log: (l) => lines.push(l), label: 'kv' }).run();
    assert.ok(lines.length >= 2 && lines.length <= 4, lines.join('\n'));
    for (const line of lines.slice(0, -1)) assert.match(line, /^kv: \d\.\d s, [\d,]+ ok \/ 0 fail \/ 0 info, [\d,]+\/s, p50 [\d.]+ ms p99 [\d.]+ ms$/);
    assert.match(lines.at(-1)!, /^kv: \d+\.\d s, .* \(done\)$/);
  } finally {
    await a.close();
  }
});

test('a peer list function is read at every call (a restarted node on a new port)', async () => {
  const first = await fakeRelay('node-a');
  const second = await fakeRelay('node-a');
  try {
    let current = first.peer;
    const driver = new LoadDriver({ peers: () => [current], traffic: echo, clients: 1, maxOps: 10, thinkTimeMs: 10 }).start();
    await new Promise((r) => setTimeout(r, 40));
    current = second.peer;
    const summary = await driver.finished();
    assert.equal(summary.counts.ok, 10);
    assert.ok(first.stats().requests > 0 && second.stats().requests > 0);
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
});

test('options are checked: a bound, loopback peers, a chooser that knows only given peers', () => {
  const peer = { id: 'a', baseUrl: 'http://127.0.0.1:1' };
  assert.throws(() => new LoadDriver({ peers: [peer], traffic: echo, clients: 1 }), /needs a bound/);
  assert.throws(() => new LoadDriver({ peers: [peer], traffic: echo, clients: 0, maxOps: 1 }), /clients must be/);
  assert.throws(() => new LoadDriver({ peers: [], traffic: echo, clients: 1, maxOps: 1 }), /at least one peer/);
  assert.throws(
    () => new LoadDriver({ peers: [{ id: 'x', baseUrl: 'http://10.0.0.8:80' }], traffic: echo, clients: 1, maxOps: 1 }),
    /neither a loopback address nor the engine host/,
  );
  // A remote engine's published ports are dialled at its host (OMNIRELAY_HYPERSCALE_ENGINE_HOST), and only there.
  assert.doesNotThrow(
    () => new LoadDriver({ peers: [{ id: 'x', baseUrl: 'http://10.0.0.8:80' }], traffic: echo, clients: 1, durationMs: 1, engineHost: '10.0.0.8' }),
  );
  assert.throws(
    () => new LoadDriver({ peers: [{ id: 'x', baseUrl: 'http://10.0.0.9:80' }], traffic: echo, clients: 1, maxOps: 1, engineHost: '10.0.0.8' }),
    /neither a loopback address nor the engine host/,
  );
  assert.throws(
    () => new LoadDriver({ peers: [peer], traffic: echo, clients: 1, maxOps: 1, chooser: new RoundRobin(['a', 'b']) }),
    /knows peers the driver was not given: b/,
  );
  assert.doesNotThrow(() => new LoadDriver({ peers: [{ id: 'l', baseUrl: 'http://localhost:8080' }], traffic: echo, clients: 1, durationMs: 1 }));
});

test('a throwing route ends the run and finished() rejects with its error', async () => {
  const a = await fakeRelay('node-a');
  try {
    const driver = new LoadDriver({
      peers: [a.peer],
      traffic: echo,
      clients: 3,
      durationMs: 10_000,
      route: (op) => {
        if (op.n === 3) throw new Error('no shard map');
        return undefined;
      },
    });
    await assert.rejects(driver.run(), /no shard map/);
    assert.equal(driver.running, false);
  } finally {
    await a.close();
  }
});

// ── the HTTP/1.1 transport ───────────────────────────────────────────────────────────────────────────

/** A raw TCP server: `answer` gets each request's bytes and writes whatever it likes to the socket. */
async function rawServer(answer: (socket: net.Socket, request: string, count: number) => void) {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        const request = pending.slice(0, end + 4 + length);
        pending = pending.slice(end + 4 + length);
        answer(socket, request, ++count);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    peer: { id: 'raw', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } as DriverPeer,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const answerOf = (status: string, headers: string[], body: string) => `HTTP/1.1 ${status}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`;

async function oneCall(peer: DriverPeer, opts: { callTimeoutMs?: number; headers?: Record<string, string> } = {}) {
  const history = new OpHistory(new ScenarioClock());
  const summary = await new LoadDriver({ peers: [peer], traffic: echo, clients: 1, maxOps: 1, history, ...opts }).run();
  return { op: history.ops[0]!, summary };
}

test('transport: the request carries the RPC headers, the shard key and extra headers', async () => {
  let seen = '';
  const server = await rawServer((socket, request) => {
    seen = request;
    socket.write(answerOf('200 OK', ['Content-Length: 2', 'x-mesh-node: raw'], '{}'));
  });
  try {
    const sharded = traffic([{ procedure: 'kv::set', shardKey: 'shard-{client}', body: { key: 'k', value: 'é{uid}' } }]);
    await new LoadDriver({ peers: [server.peer], traffic: sharded, clients: 1, maxOps: 1, headers: { 'Rpc-Ttl-Ms': '900' } }).run();
    const [head, body] = seen.split('\r\n\r\n') as [string, string];
    const lines = head.split('\r\n');
    assert.equal(lines[0], 'POST / HTTP/1.1');
    for (const h of [
      'Rpc-Procedure: kv::set',
      'Rpc-Shard-Key: shard-1',
      'Rpc-Caller: hyperscale-load',
      'Rpc-Encoding: json',
      'Content-Type: application/json',
      'Rpc-Ttl-Ms: 900',
      `Host: ${new URL(server.peer.baseUrl).host}`,
    ]) {
      assert.ok(lines.includes(h), `${h} in\n${head}`);
    }
    assert.equal(Buffer.from(body, 'latin1').toString('utf8'), JSON.stringify({ key: 'k', value: 'éc1-n1' }));
    assert.ok(lines.includes(`Content-Length: ${Buffer.byteLength(JSON.stringify({ key: 'k', value: 'éc1-n1' }))}`), 'content length in bytes, not characters');
    assert.throws(
      () => new LoadDriver({ peers: [server.peer], traffic: echo, clients: 1, maxOps: 1, headers: { 'X-A': 'a\r\nX-B: b' } }),
      /must not contain line breaks/,
    );
    assert.throws(
      () => new LoadDriver({ peers: [server.peer], traffic: echo, clients: 1, maxOps: 1, headers: { 'Content-Length': '1' } }),
      /set by the driver/,
    );
  } finally {
    await server.close();
  }
});

test('transport: answers split into single bytes, chunked with extensions and trailers, 1xx first', async () => {
  const server = await rawServer((socket, _request, count) => {
    const text =
      count === 1
        ? answerOf('200 OK', ['Transfer-Encoding: chunked', 'X-Mesh-Node: raw'], '4;ext=1\r\n{"a"\r\n3\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n')
        : `HTTP/1.1 100 Continue\r\n\r\n${answerOf('200 OK', ['Content-Length: 7', 'X-Mesh-Node: raw', 'X-Dup: 1', 'X-Dup: 2'], '{"b":2}')}`;
    const bytes = Buffer.from(text, 'latin1');
    let i = 0;
    const drip = () => {
      if (i >= bytes.length) return;
      socket.write(bytes.subarray(i, ++i));
      setImmediate(drip);
    };
    drip();
  });
  try {
    const history = new OpHistory(new ScenarioClock());
    const summary = await new LoadDriver({ peers: [server.peer], traffic: echo, clients: 1, maxOps: 2, history }).run();
    assert.deepEqual(summary.counts, { ok: 2, fail: 0, info: 0 });
    assert.deepEqual(
      history.ops.map((o) => o.result),
      [
        { a: 1, servedBy: 'raw' },
        { b: 2, servedBy: 'raw' },
      ],
    );
    assert.equal(server.connections(), 1, 'both calls on one keep-alive connection');
  } finally {
    await server.close();
  }
});

test('transport: Connection: close and read-until-close answers; a new connection for the next call', async () => {
  const server = await rawServer((socket, _request, count) => {
    if (count % 2 === 1) socket.end(answerOf('200 OK', ['Content-Length: 2', 'Connection: close'], '{}'));
    else socket.end(answerOf('404 Not Found', ['Rpc-Status: NotFound'], '{"message":"gone"}')); // no length: body ends at close
  });
  try {
    const history = new OpHistory(new ScenarioClock());
    const summary = await new LoadDriver({ peers: [server.peer], traffic: echo, clients: 1, maxOps: 4, history }).run();
    assert.deepEqual(summary.counts, { ok: 2, fail: 2, info: 0 });
    assert.deepEqual(history.ops[1]!.result, { message: 'gone', servedBy: undefined });
    assert.equal(history.ops[1]!.error, 'HTTP 404 NotFound');
  } finally {
    await server.close();
  }
});

test('transport: 204 without a body, and an empty 200', async () => {
  const server = await rawServer((socket, _request, count) => {
    socket.write(count === 1 ? answerOf('204 No Content', [], '') : answerOf('200 OK', ['Content-Length: 0'], ''));
  });
  try {
    const history = new OpHistory(new ScenarioClock());
    const summary = await new LoadDriver({ peers: [server.peer], traffic: echo, clients: 1, maxOps: 2, history }).run();
    assert.deepEqual(summary.counts, { ok: 2, fail: 0, info: 0 });
    assert.deepEqual(history.ops[0]!.result, { servedBy: undefined });
  } finally {
    await server.close();
  }
});

test('transport: a garbled answer, a cut-off answer and silence are info with a transport status', async () => {
  const garbled = await rawServer((socket) => socket.write('SMTP ready\r\n\r\n'));
  const cut = await rawServer((socket) => socket.end(answerOf('200 OK', ['Content-Length: 100'], '{"partial"')));
  const silent = await rawServer(() => undefined);
  const badChunk = await rawServer((socket) => socket.write(answerOf('200 OK', ['Transfer-Encoding: chunked'], 'zz\r\n')));
  try {
    const a = await oneCall(garbled.peer);
    assert.equal(a.op.outcome, 'info');
    assert.match(a.op.error!, /bad status line "SMTP ready"/);
    assert.deepEqual(a.summary.statuses, { 'protocol-error': 1 });
    const b = await oneCall(cut.peer);
    assert.equal(b.op.outcome, 'info');
    assert.deepEqual(b.summary.statuses, { 'closed-before-answer': 1 });
    const c = await oneCall(silent.peer, { callTimeoutMs: 100 });
    assert.equal(c.op.error, 'timeout after 100 ms');
    assert.deepEqual(c.summary.statuses, { timeout: 1 });
    const d = await oneCall(badChunk.peer);
    assert.match(d.op.error!, /bad chunk size "zz"/);
  } finally {
    await Promise.all([garbled.close(), cut.close(), silent.close(), badChunk.close()]);
  }
});

test('transport: idle connections past the keep-alive hint are not reused (no race with the server closing them)', async () => {
  let connections = 0;
  const server = http.createServer({ keepAliveTimeout: 1_200 }, (req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const peer = { id: 'n', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    // Keep-Alive: timeout=1 → reuse only within 500 ms: a new connection after each 700 ms pause.
    const summary = await new LoadDriver({ peers: [peer], traffic: echo, clients: 1, maxOps: 4, thinkTimeMs: 700 }).run();
    assert.deepEqual(summary.counts, { ok: 4, fail: 0, info: 0 });
    assert.equal(connections, 4);
    // Without pauses, one connection serves every call.
    connections = 0;
    await new LoadDriver({ peers: [peer], traffic: echo, clients: 1, maxOps: 20 }).run();
    assert.equal(connections, 1);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('transport: connection attempts per peer are capped; waiting calls get released connections or time out', async () => {
  let connections = 0;
  let maxOpening = 0;
  const a = await fakeRelay('node-a');
  const server = net.createServer((socket) => socket.pipe(net.connect(Number(new URL(a.peer.baseUrl).port), '127.0.0.1')).pipe(socket));
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const peer = { id: 'proxy', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  try {
    const driver = new LoadDriver({ peers: [peer], traffic: echo, clients: 50, maxOps: 500, maxConnectingPerPeer: 2 });
    const pool = (driver as unknown as { pools: Map<string, { waitingCount: number; connecting: number }> }).pools.get(peer.baseUrl)!;
    const sampler = setInterval(() => (maxOpening = Math.max(maxOpening, pool.connecting)), 0);
    const summary = await driver.run();
    clearInterval(sampler);
    assert.deepEqual(summary.counts, { ok: 500, fail: 0, info: 0 });
    assert.ok(maxOpening <= 2, `at most 2 connection attempts at a time, saw ${maxOpening}`);
    assert.ok(connections <= 50, `${connections} connections for 50 clients`);
    assert.equal(pool.waitingCount, 0);
  } finally {
    server.close();
    await a.close();
  }
  // A silent server: one call holds the only connection slot until it times out; the others time out waiting.
  const silent = await rawServer(() => undefined);
  try {
    const history = new OpHistory(new ScenarioClock());
    const t0 = performance.now();
    const summary = await new LoadDriver({
      peers: [silent.peer],
      traffic: echo,
      clients: 3,
      maxOps: 3,
      callTimeoutMs: 150,
      maxConnectingPerPeer: 1,
      history,
    }).run();
    assert.ok(performance.now() - t0 < 1_000);
    assert.deepEqual(summary.statuses, { timeout: 3 });
    assert.ok(history.ops.every((o) => o.error === 'timeout after 150 ms'));
  } finally {
    await silent.close();
  }
  assert.throws(() => new LoadDriver({ peers: [peer], traffic: echo, clients: 1, maxOps: 1, maxConnectingPerPeer: 0 }), /maxConnectingPerPeer must be/);
});

// ── client-side retries ──────────────────────────────────────────────────────────────────────────────

const noJitter = () => 0;

test('retries: a call failing its first 2 tries with 503 Unavailable is one ok op with attempts 3', async () => {
  const a = await fakeRelay('node-a');
  try {
    const history = new OpHistory(new ScenarioClock());
    let draws = 0;
    const rng = () => (draws++, 0);
    const flaky = traffic([{ procedure: 'flaky::2', body: { uid: '{uid}' } }]);
    const summary = await new LoadDriver({ peers: [a.peer], traffic: flaky, clients: 1, maxOps: 1, history, retry: { attempts: 5 }, rng }).run();
    assert.equal(history.ops.length, 1, 'one op per logical call');
    const op = history.ops[0]!;
    assert.equal(op.outcome, 'ok');
    assert.equal(op.error, undefined);
    assert.deepEqual(op.result, { uid: 'c1-n1', servedBy: 'node-a', attempts: 3 });
    assert.equal(op.target, 'node-a');
    assert.equal(a.stats().requests, 3);
    assert.equal(draws, 2, 'the injected rng draws the jitter of each retry');
    assert.ok(op.invokeMs <= op.completeMs!);
    assert.deepEqual(
      { calls: summary.calls, attempts: summary.attempts, retries: summary.retries, retryRate: summary.retryRate, retriedOk: summary.retriedOk },
      { calls: 1, attempts: 3, retries: 2, retryRate: 2, retriedOk: 1 },
    );
    assert.deepEqual(summary.counts, { ok: 1, fail: 0, info: 0 });
    assert.deepEqual(summary.statuses, { '200': 1, '503': 2 }, 'statuses count every try');
    assert.deepEqual(summary.byPeer, { 'node-a': { ok: 1, fail: 0, info: 2 } }, 'byPeer counts every try');
    assert.equal(summary.latency.count, 1, 'one latency per logical call');
  } finally {
    await a.close();
  }
});

test('retries: summary counters and the progress line over a mix of flaky and healthy calls', async () => {
  const a = await fakeRelay('node-a');
  try {
    const history = new OpHistory(new ScenarioClock());
    const lines: string[] = [];
    const mix = traffic([
      { procedure: 'flaky::1', body: { uid: '{uid}' } },
      { procedure: 'echo', body: { uid: '{uid}' } },
    ]);
    const summary = await new LoadDriver({
      peers: [a.peer],
      traffic: mix,
      clients: 3,
      maxOps: 12,
      history,
      retry: { attempts: 3, backoffMs: 5 },
      log: (l) => lines.push(l),
    }).run();
    assert.equal(summary.calls, 12);
    assert.deepEqual(summary.counts, { ok: 12, fail: 0, info: 0 });
    assert.equal(history.ops.length, 12);
    // Clients claim ops from the shared maxOps as they go: how many were flaky depends on the race.
    const flakyCalls = history.ops.filter((o) => o.f === 'flaky::1').length;
    assert.ok(flakyCalls >= 3 && flakyCalls <= 9, `${flakyCalls} flaky calls`);
    for (const o of history.ops) assert.equal((o.result as { attempts: number }).attempts, o.f === 'flaky::1' ? 2 : 1, `${o.f} attempts`);
    assert.deepEqual(
      { attempts: summary.attempts, retries: summary.retries, retryRate: summary.retryRate, retriedOk: summary.retriedOk },
      { attempts: 12 + flakyCalls, retries: flakyCalls, retryRate: Math.round((flakyCalls / 12) * 10_000) / 10_000, retriedOk: flakyCalls },
    );
    assert.equal(summary.byProcedure['flaky::1']?.latency.count, flakyCalls);
    const percent = ((flakyCalls / 12) * 100).toFixed(1).replace('.', '\\.');
    assert.match(
      lines.at(-1)!,
      new RegExp(`^load: \\d+\\.\\d s, 12 ok / 0 fail / 0 info, [\\d,]+/s, p50 [\\d.]+ ms p99 [\\d.]+ ms, retries ${percent}% \\(done\\)$`),
    );
    // Without retries: no retry figure in the line, attempts equal calls, results unchanged.
    const plain: string[] = [];
    const off = await new LoadDriver({ peers: [a.peer], traffic: echo, clients: 1, maxOps: 3, log: (l) => plain.push(l) }).run();
    assert.deepEqual(
      { attempts: off.attempts, retries: off.retries, retryRate: off.retryRate, retriedOk: off.retriedOk },
      { attempts: 3, retries: 0, retryRate: 0, retriedOk: 0 },
    );
    assert.doesNotMatch(plain.at(-1)!, /retries/);
  } finally {
    await a.close();
  }
});

test('retries: a 4xx (even with a retryable Rpc-Status), a 501 and a 2xx are never retried; retries off is one try', async () => {
  const a = await fakeRelay('node-a');
  try {
    const history = new OpHistory(new ScenarioClock());
    const mix = traffic([
      { procedure: 'status::400', body: {} }, // Rpc-Status: Internal, but a 400
      { procedure: 'status::404', body: {} },
      { procedure: 'nope', body: {} }, // 501 Unimplemented
      { procedure: 'echo', body: 'x' },
    ]);
    const summary = await new LoadDriver({ peers: [a.peer], traffic: mix, clients: 1, maxOps: 4, history, retry: { attempts: 5 }, rng: noJitter }).run();
    assert.equal(a.stats().requests, 4);
    assert.deepEqual(
      history.ops.map((o) => [o.f, o.outcome, o.error, (o.result as { attempts?: number }).attempts]),
      [
        ['status::400', 'fail', 'HTTP 400 Internal', 1],
        ['status::404', 'fail', 'HTTP 404 NotFound', 1],
        ['nope', 'info', 'HTTP 501 Unimplemented', 1],
        ['echo', 'ok', undefined, 1],
      ],
    );
    assert.equal(summary.retries, 0);
    // Retries off: a 503 Unavailable is one try, and the result carries no attempts.
    const offHistory = new OpHistory(new ScenarioClock());
    const flaky = traffic([{ procedure: 'flaky::1', body: { uid: 'off-{uid}' } }]);
    const off = await new LoadDriver({ peers: [a.peer], traffic: flaky, clients: 1, maxOps: 1, history: offHistory }).run();
    assert.deepEqual(
      [offHistory.ops[0]!.outcome, offHistory.ops[0]!.error, offHistory.ops[0]!.result],
      ['info', 'HTTP 503 Unavailable', { message: 'try 1', servedBy: 'node-a' }],
    );
    assert.equal(off.attempts, 1);
  } finally {
    await a.close();
  }
});

test('retries: which tries are retryable (contract §2)', () => {
  const answer = (status: number, rpcStatus?: string) => ({
    status,
    headers: rpcStatus === undefined ? {} : ({ 'rpc-status': rpcStatus } as Record<string, string>),
  });
  const yes: [number, string | undefined][] = [
    [503, 'Unavailable'],
    [500, 'Internal'],
    [429, 'ResourceExhausted'],
    [504, 'DeadlineExceeded'],
    [409, 'Aborted'],
    [500, 'Aborted'],
    [503, 'UNAVAILABLE'],
    [429, 'resource_exhausted'],
    [503, undefined],
    [500, undefined],
    [429, undefined],
    [504, undefined],
    [500, ''],
  ];
  const no: [number, string | undefined][] = [
    [200, undefined],
    [200, 'Unavailable'],
    [202, undefined],
    [304, undefined],
    [400, 'Internal'],
    [404, 'NotFound'],
    [409, undefined],
    [409, 'Internal'],
    [499, 'Cancelled'],
    [501, 'Unimplemented'],
    [500, 'Unknown'],
    [503, 'NotFound'],
    [502, undefined],
  ];
  for (const [status, rpc] of yes) assert.equal(isRetryable(answer(status, rpc)), true, `${status} ${rpc} is retried`);
  for (const [status, rpc] of no) assert.equal(isRetryable(answer(status, rpc)), false, `${status} ${rpc} is not retried`);
  const coded = (code: string) => Object.assign(new Error(code), { code });
  for (const code of ['timeout', 'closed-before-answer', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']) assert.equal(isRetryable({ error: coded(code) }), true, code);
  for (const code of ['protocol-error', 'EACCES']) assert.equal(isRetryable({ error: coded(code) }), false, code);
  assert.equal(isRetryable({ error: new Error('peer "x" is no longer among the driver\'s peers') }), false);
});

test('retries: backoff is exponential with full jitter, capped; Retry-After wins, capped the same way', () => {
  const half = () => 0.5;
  assert.deepEqual(
    [1, 2, 3, 4].map((k) => retryDelayMs(k, undefined, { attempts: 9 }, half)),
    [12.5, 25, 50, 100],
  );
  assert.deepEqual(
    [1, 2, 3].map((k) => retryDelayMs(k, undefined, { attempts: 9, backoffMs: 100, maxBackoffMs: 150 }, half)),
    [50, 75, 75],
  );
  assert.ok(retryDelayMs(80, undefined, { attempts: 99 }, () => 0.999999) < 1_000);
  assert.equal(retryDelayMs(1, 1_000, { attempts: 2 }, half), 1_000);
  assert.equal(retryDelayMs(1, 5_000, { attempts: 2 }, half), 1_000, 'Retry-After capped at maxBackoffMs');
  assert.equal(retryDelayMs(1, 5_000, { attempts: 2, maxBackoffMs: 200 }, half), 200);
  assert.equal(retryDelayMs(3, 0, { attempts: 4 }, half), 0);
  assert.equal(retryAfterMs('1'), 1_000);
  assert.equal(retryAfterMs(' 2 '), 2_000);
  assert.equal(retryAfterMs('0.5'), 500);
  assert.equal(retryAfterMs(undefined), undefined);
  assert.equal(retryAfterMs('soon'), undefined);
  assert.equal(retryAfterMs('-1'), undefined);
  const date = new Date(Date.now() + 60_000).toUTCString();
  assert.equal(retryAfterMs(date, Date.parse(date) - 3_000), 3_000);
  assert.equal(retryAfterMs(date, Date.parse(date) + 3_000), 0);
});

test('retries: Retry-After: 1 is honoured (about a second between the tries), and capped by maxBackoffMs', async () => {
  const a = await fakeRelay('node-a');
  try {
    const history = new OpHistory(new ScenarioClock());
    const busy = traffic([{ procedure: 'busy::1', body: { uid: '{uid}' } }]);
    await new LoadDriver({ peers: [a.peer], traffic: busy, clients: 1, maxOps: 1, history, retry: { attempts: 3, backoffMs: 1 }, rng: noJitter }).run();
    assert.deepEqual([history.ops[0]!.outcome, (history.ops[0]!.result as { attempts: number }).attempts], ['ok', 2]);
    const [t1, t2] = a.arrivals.map((r) => r.atMs) as [number, number];
    assert.ok(t2 - t1 >= 950, `waited ${Math.round(t2 - t1)} ms after Retry-After: 1`);
    assert.ok(t2 - t1 < 3_000, `waited ${Math.round(t2 - t1)} ms`);
    const latency = (history.ops[0]!.completeMs ?? 0) - history.ops[0]!.invokeMs;
    assert.ok(latency >= 950, `the op spans first try to final answer: ${Math.round(latency)} ms`);
    a.arrivals.length = 0;
    const busyAgain = traffic([{ procedure: 'busy::1', body: { uid: 'again-{uid}' } }]);
    const summary = await new LoadDriver({
      peers: [a.peer],
      traffic: busyAgain,
      clients: 1,
      maxOps: 1,
      retry: { attempts: 3, maxBackoffMs: 100 },
      rng: noJitter,
    }).run();
    const [u1, u2] = a.arrivals.map((r) => r.atMs) as [number, number];
    assert.ok(u2 - u1 >= 90 && u2 - u1 < 900, `Retry-After capped at 100 ms: waited ${Math.round(u2 - u1)} ms`);
    assert.ok(summary.latency.maxMs >= 90, `summary latency runs from the first try: ${summary.latency.maxMs} ms`);
  } finally {
    await a.close();
  }
});

test("throttling: throttled tries are counted by who answered and whom they name, with the first one's time and Retry-After; the first timeout is timed", async () => {
  const a = await fakeRelay('node-a');
  try {
    const clock = new ScenarioClock();
    const throttled = traffic([{ procedure: 'throttle::1', body: { uid: '{uid}' } }]);
    const t0 = clock.nowMs();
    const summary = await new LoadDriver({
      peers: [a.peer],
      traffic: throttled,
      clients: 2,
      maxOps: 4,
      clock,
      retry: { attempts: 2, maxBackoffMs: 5 },
      rng: noJitter,
    }).run();
    assert.deepEqual(summary.counts, { ok: 4, fail: 0, info: 0 }, 'each call is ok at its second try');
    assert.equal(summary.throttled.tries, 4);
    assert.deepEqual(summary.throttled.byNode, { 'node-a': 4 });
    assert.deepEqual(summary.throttled.firstAtMsByNode, { 'node-a': summary.throttled.firstAtMs });
    assert.deepEqual(summary.throttled.byPressured, { 'west/west-1/shard-7': 4 });
    assert.equal(summary.throttled.firstRetryAfter, '1');
    assert.ok(summary.throttled.firstAtMs !== undefined && summary.throttled.firstAtMs >= t0 && summary.throttled.firstAtMs <= clock.nowMs());
    assert.equal(summary.firstTimeoutAtMs, undefined, 'no try timed out');
    assert.equal(
      summary.triesPerSecond.reduce((x, y) => x + y, 0),
      summary.attempts,
      'every try is in one second of the series',
    );

    const slow = traffic([{ procedure: 'slow::call', body: { ms: 300 } }]);
    const timedOut = await new LoadDriver({ peers: [a.peer], traffic: slow, clients: 1, maxOps: 1, clock, callTimeoutMs: 50 }).run();
    assert.equal(timedOut.throttled.tries, 0);
    assert.equal(timedOut.throttled.firstAtMs, undefined);
    assert.ok(timedOut.firstTimeoutAtMs !== undefined && timedOut.firstTimeoutAtMs > summary.throttled.firstAtMs!, `timeout at ${timedOut.firstTimeoutAtMs}`);
  } finally {
    await a.close();
  }
});

test('retries: attempts exhausted end with the last answer as outcome.ts classifies it', async () => {
  const a = await fakeRelay('node-a');
  try {
    const history = new OpHistory(new ScenarioClock());
    const mix = traffic([
      { procedure: 'flaky::3', body: { uid: '{uid}' } },
      { procedure: 'status::500', body: {} },
      { procedure: 'drain', body: {} }, // 503 + not-applied + Retry-After: 1 (capped to 5 ms below)
      { procedure: 'status::429', body: {} }, // Rpc-Status Internal: retried, and a 4xx is fail
    ]);
    const chooser = new RoundRobin(['node-a'], { breaker: { failureThreshold: 100 } });
    const summary = await new LoadDriver({
      peers: [a.peer],
      traffic: mix,
      clients: 1,
      maxOps: 4,
      history,
      chooser,
      retry: { attempts: 3, maxBackoffMs: 5 },
    }).run();
    assert.deepEqual(
      history.ops.map((o) => [o.f, o.outcome, o.error, (o.result as { attempts: number }).attempts]),
      [
        ['flaky::3', 'info', 'HTTP 503 Unavailable after 3 attempts', 3],
        ['status::500', 'info', 'HTTP 500 Internal after 3 attempts', 3],
        ['drain', 'fail', 'HTTP 503 Unavailable after 3 attempts', 3],
        ['status::429', 'fail', 'HTTP 429 Internal after 3 attempts', 3],
      ],
    );
    assert.equal(a.stats().requests, 12);
    assert.deepEqual(summary.counts, { ok: 0, fail: 2, info: 2 });
    assert.deepEqual(
      { calls: summary.calls, attempts: summary.attempts, retries: summary.retries, retriedOk: summary.retriedOk },
      { calls: 4, attempts: 12, retries: 8, retriedOk: 0 },
    );
  } finally {
    await a.close();
  }
});

test('retries: a fail after a try that may have applied the call is info, not fail', async () => {
  const server = await rawServer((socket, _request, count) => {
    if (count === 1) return; // silence: the first try times out
    socket.write(answerOf('503 Service Unavailable', ['Content-Length: 2', 'Rpc-Status: Unavailable', 'x-mesh-outcome: not-applied'], '{}'));
  });
  try {
    const history = new OpHistory(new ScenarioClock());
    await new LoadDriver({
      peers: [server.peer],
      traffic: echo,
      clients: 1,
      maxOps: 1,
      history,
      callTimeoutMs: 150,
      retry: { attempts: 2 },
      rng: noJitter,
    }).run();
    assert.equal(history.ops[0]!.outcome, 'info');
    assert.equal(history.ops[0]!.error, 'HTTP 503 Unavailable after 2 attempts; an earlier attempt may have taken effect');
  } finally {
    await server.close();
  }
});

test('retries: a transport error then success; the retry goes to another peer unless a route pins the call', async () => {
  const server = await rawServer((socket, _request, count) => {
    if (count === 1)
      socket.destroy(); // reset mid-call
    else socket.write(answerOf('200 OK', ['Content-Length: 8', 'x-mesh-node: raw'], '{"v":42}'));
  });
  const live = await fakeRelay('live');
  const dead: DriverPeer = { id: 'dead', baseUrl: `http://127.0.0.1:${await deadPort()}` };
  try {
    const history = new OpHistory(new ScenarioClock());
    const summary = await new LoadDriver({ peers: [server.peer], traffic: echo, clients: 1, maxOps: 1, history, retry: { attempts: 3 }, rng: noJitter }).run();
    assert.deepEqual([history.ops[0]!.outcome, history.ops[0]!.result], ['ok', { v: 42, servedBy: 'raw', attempts: 2 }]);
    assert.equal(summary.statuses['200'], 1);
    assert.equal(Object.keys(summary.statuses).length, 2);
    assert.ok(
      Object.keys(summary.statuses).some((k) => k === 'closed-before-answer' || k === 'ECONNRESET'),
      JSON.stringify(summary.statuses),
    );
    assert.deepEqual({ attempts: summary.attempts, retriedOk: summary.retriedOk }, { attempts: 2, retriedOk: 1 });

    // Round robin over a dead and a live peer: each call's refused try is retried on the live one, and the
    // op's target is the peer that answered.
    const roundTrip = new OpHistory(new ScenarioClock());
    const chooser = new RoundRobin(['dead', 'live'], { breaker: { failureThreshold: 100 } });
    const moved = await new LoadDriver({
      peers: [dead, live.peer],
      traffic: echo,
      clients: 1,
      maxOps: 4,
      history: roundTrip,
      chooser,
      retry: { attempts: 2 },
      rng: noJitter,
    }).run();
    assert.deepEqual(
      roundTrip.ops.map((o) => [
        o.outcome,
        o.target,
        (o.result as { attempts: number; servedBy: string }).attempts,
        (o.result as { servedBy: string }).servedBy,
      ]),
      Array.from({ length: 4 }, () => ['ok', 'live', 2, 'live']),
    );
    assert.deepEqual(moved.byPeer, { dead: { ok: 0, fail: 0, info: 4 }, live: { ok: 4, fail: 0, info: 0 } });
    assert.deepEqual(moved.statuses, { '200': 4, ECONNREFUSED: 4 });
    assert.deepEqual(
      chooser.picks().map((p) => p.peer),
      ['dead', 'live', 'dead', 'live', 'dead', 'live', 'dead', 'live'],
    );

    // Pinned by a route: every try goes to the pinned peer.
    const pinnedHistory = new OpHistory(new ScenarioClock());
    const pinnedChooser = new RoundRobin(['dead', 'live']);
    await new LoadDriver({
      peers: [dead, live.peer],
      traffic: echo,
      clients: 1,
      maxOps: 1,
      history: pinnedHistory,
      chooser: pinnedChooser,
      route: () => 'dead',
      retry: { attempts: 3 },
      rng: noJitter,
    }).run();
    const op = pinnedHistory.ops[0]!;
    assert.deepEqual([op.outcome, op.target], ['info', 'dead']);
    assert.match(op.error!, /ECONNREFUSED.* after 3 attempts$/);
    assert.deepEqual(
      pinnedChooser.picks().map((p) => [p.peer, p.pinned]),
      [
        ['dead', true],
        ['dead', true],
        ['dead', true],
      ],
    );
  } finally {
    await Promise.all([server.close(), live.close()]);
  }
});

test('retries: stop() cuts a backoff short and the call ends with the answer it has', async () => {
  const a = await fakeRelay('node-a');
  try {
    const history = new OpHistory(new ScenarioClock());
    const busy = traffic([{ procedure: 'busy::1', body: { uid: '{uid}' } }]);
    const driver = new LoadDriver({ peers: [a.peer], traffic: busy, clients: 1, durationMs: 60_000, history, retry: { attempts: 3 } }).start();
    await new Promise((r) => setTimeout(r, 150));
    const t0 = performance.now();
    const summary = await driver.stop();
    assert.ok(performance.now() - t0 < 500, 'did not wait out the Retry-After');
    assert.deepEqual([history.ops.length, history.ops[0]!.outcome, history.ops[0]!.error], [1, 'info', 'HTTP 503 Unavailable']);
    assert.deepEqual({ calls: summary.calls, attempts: summary.attempts, inFlight: summary.inFlight }, { calls: 1, attempts: 1, inFlight: 0 });
  } finally {
    await a.close();
  }
});

test('retries: a route that throws on a retry ends the run; the call ends with the answer it had', async () => {
  const a = await fakeRelay('node-a');
  try {
    const history = new OpHistory(new ScenarioClock());
    let asked = 0;
    const flaky = traffic([{ procedure: 'flaky::5', body: { uid: '{uid}' } }]);
    const driver = new LoadDriver({
      peers: [a.peer],
      traffic: flaky,
      clients: 1,
      durationMs: 10_000,
      history,
      retry: { attempts: 5 },
      rng: noJitter,
      route: () => {
        if (++asked === 2) throw new Error('shard map gone');
        return 'node-a';
      },
    });
    await assert.rejects(driver.run(), /shard map gone/);
    assert.deepEqual(
      history.ops.map((o) => [o.outcome, o.error]),
      [['info', 'HTTP 503 Unavailable']],
    );
    assert.equal(a.stats().requests, 1);
  } finally {
    await a.close();
  }
});

test('retries: options are checked', () => {
  const peer = { id: 'a', baseUrl: 'http://127.0.0.1:1' };
  const make = (retry: { attempts: number; backoffMs?: number; maxBackoffMs?: number }) => () =>
    new LoadDriver({ peers: [peer], traffic: echo, clients: 1, maxOps: 1, retry });
  assert.throws(make({ attempts: 0 }), /retry.attempts must be a whole number ≥ 1/);
  assert.throws(make({ attempts: 2.5 }), /retry.attempts must be/);
  assert.throws(make({ attempts: 2, backoffMs: -1 }), /retry.backoffMs must be ≥ 0/);
  assert.throws(make({ attempts: 2, maxBackoffMs: Number.NaN }), /retry.maxBackoffMs must be ≥ 0/);
  assert.doesNotThrow(make({ attempts: 1 }));
});

test('request latency leaves out the wait for a connection, as autocannon measures; the call latency keeps it', async () => {
  const a = await fakeRelay('node-a');
  try {
    const slow = traffic([{ procedure: 'slow::call', body: { ms: 60 } }]);
    // One connection attempt at a time: the clients after the first wait for one before they send.
    const s = await new LoadDriver({ peers: [a.peer], traffic: slow, clients: 8, maxOps: 16, maxConnectingPerPeer: 1 }).run();
    assert.equal(s.requestLatency.count, s.latency.count);
    assert.ok(s.requestLatency.p50Ms >= 59, `a request takes the server's 60 ms: ${s.requestLatency.p50Ms}`);
    assert.ok(s.requestLatency.maxMs <= s.latency.maxMs, `request ${s.requestLatency.maxMs} ms <= call ${s.latency.maxMs} ms`);
    assert.ok(s.requestLatency.meanMs < s.latency.meanMs, `connection waits make calls longer on average: ${s.requestLatency.meanMs} < ${s.latency.meanMs}`);
  } finally {
    await a.close();
  }
});

test('preconnect opens the connections before the run, capped per peer, and the run uses only them', async () => {
  const a = await fakeRelay('node-a');
  const b = await fakeRelay('node-b');
  try {
    const driver = new LoadDriver({ peers: [a.peer, b.peer], traffic: echo, clients: 40, maxOps: 400, maxConnectingPerPeer: 4 });
    const pools = (driver as unknown as { pools: Map<string, { idleCount: number; connecting: number }> }).pools;
    let maxOpening = 0;
    const sampler = setInterval(() => (maxOpening = Math.max(maxOpening, ...[...pools.values()].map((p) => p.connecting))), 0);
    const opened = await driver.preconnect(40);
    clearInterval(sampler);
    assert.equal(opened, 80, 'forty to each of the two peers');
    assert.ok(maxOpening <= 4, `at most 4 attempts at a time per peer, saw ${maxOpening}`);
    assert.deepEqual(
      [...pools.values()].map((p) => p.idleCount),
      [40, 40],
    );
    const summary = await driver.run();
    assert.deepEqual(summary.counts, { ok: 400, fail: 0, info: 0 });
    assert.equal(a.stats().connections + b.stats().connections, 80, 'no connection opened during the run');
    await assert.rejects(driver.preconnect(1), /preconnect\(\) must come before start\(\)/);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('preconnect to a dead peer resolves with none connected; the run then finds the peer down as usual', async () => {
  const dead: DriverPeer = { id: 'dead', baseUrl: `http://127.0.0.1:${await deadPort()}` };
  const driver = new LoadDriver({ peers: [dead], traffic: echo, clients: 3, maxOps: 3, callTimeoutMs: 500 });
  const t0 = performance.now();
  assert.equal(await driver.preconnect(10), 0);
  assert.ok(performance.now() - t0 < 500, 'refused attempts end at once, not at the deadline');
  const summary = await driver.run();
  assert.deepEqual(summary.counts, { ok: 0, fail: 0, info: 3 });
  assert.equal(await new LoadDriver({ peers: [dead], traffic: echo, clients: 1, maxOps: 1 }).preconnect(0), 0);
  await assert.rejects(new LoadDriver({ peers: [dead], traffic: echo, clients: 1, maxOps: 1 }).preconnect(1.5), /whole number of connections/);
});

test('preconnect gives up on attempts still pending at callTimeoutMs and keeps those that connected', async () => {
  // A listener that never accepts (its thread is blocked) with a backlog of 1: once its accept queue is
  // full the kernel drops further SYNs, so those attempts hang as they do towards a cut-off peer.
  const worker = new Worker(
    `const net = require('node:net'); const { parentPort } = require('node:worker_threads');
     const server = net.createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
     });`,
    { eval: true },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const peer: DriverPeer = { id: 'stuck', baseUrl: `http://127.0.0.1:${port}` };
  const driver = new LoadDriver({ peers: [peer], traffic: echo, clients: 1, maxOps: 1, callTimeoutMs: 300 });
  const pool = (driver as unknown as { pools: Map<string, { connecting: number; idleCount: number }> }).pools.get(peer.baseUrl)!;
  try {
    const t0 = performance.now();
    const opened = await driver.preconnect(6);
    const ms = performance.now() - t0;
    assert.ok(opened >= 1 && opened < 6, `the queue's few connected, the rest were abandoned: ${opened}`);
    assert.ok(ms >= 290 && ms < 1_500, `resolved at the deadline: ${Math.round(ms)} ms`);
    assert.equal(pool.idleCount, opened);
    await new Promise((r) => setImmediate(r));
    assert.equal(pool.connecting, 0, 'abandoned attempts no longer count as connecting');
  } finally {
    await worker.terminate();
  }
});
