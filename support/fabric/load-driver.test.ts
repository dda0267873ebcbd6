import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { OpHistory, ScenarioClock } from '../checks/history';
import { FewestPending, RoundRobin, seededRng } from './choosers';
import { LoadDriver, type DriverPeer } from './load-driver';
import { Traffic } from './traffic';

/**
 * A fake relay node: echo answers 200 with the body; `status::<code>` answers that status; `drain`
 * answers 503 + x-mesh-outcome: not-applied; `slow::call {ms}` waits first. Every answer names the node.
 */
async function fakeRelay(id: string) {
  let active = 0;
  let maxActive = 0;
  let requests = 0;
  const shardKeys: string[] = [];
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      requests++;
      active++;
      maxActive = Math.max(maxActive, active);
      const procedure = String(req.headers['rpc-procedure'] ?? '');
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.headers['rpc-shard-key']) shardKeys.push(String(req.headers['rpc-shard-key']));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-mesh-node': id };
      let status = 200;
      let body = text;
      const code = /^status::(\d{3})$/.exec(procedure)?.[1];
      if (code) {
        status = Number(code);
        headers['rpc-status'] = status === 404 ? 'NotFound' : 'Internal';
        body = JSON.stringify({ message: 'as asked', status: 'X' });
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
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const peer: DriverPeer = { id, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  return {
    peer,
    stats: () => ({ requests, maxActive, active, connections }),
    shardKeys,
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
    const driver = new LoadDriver({ peers: [a.peer, b.peer], traffic: echo, clients: 1_000, durationMs: 1_000, callTimeoutMs: 15_000, history, log: (l) => lines.push(l), progressEveryMs: 400 });
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
    const summary = await new LoadDriver({ peers: [a.peer], traffic: mix, clients: 1, maxOps: 5, history, callTimeoutMs: 150, chooser: new RoundRobin(['node-a'], { breaker: { failureThreshold: 100 } }) }).run();
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
    const driverPinned = new LoadDriver({ peers: [a.peer, b.peer], traffic: pinnedFirst, clients: 10, maxOps: 10, chooser, route: (op) => (op.shardKey === 'shard-42' ? 'node-a' : undefined) }).start();
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
    await new LoadDriver({ peers: [a.peer, b.peer], traffic: mixed, clients: 1, maxOps: 4, history, route: (op) => (op.shardKey ? 'node-b' : undefined) }).run();
    assert.deepEqual(history.ops.filter((o) => o.f === 'slow::call').map((o) => [o.target, o.shardKey]), [['node-b', 'shard-42'], ['node-b', 'shard-42']]);
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
    assert.deepEqual(chooser.breakerTransitions().map((t) => `${t.peer} ${t.to}`), ['dead open']);
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
  assert.throws(() => new LoadDriver({ peers: [{ id: 'x', baseUrl: 'http://10.0.0.8:80' }], traffic: echo, clients: 1, maxOps: 1 }), /not a loopback address/);
  assert.throws(() => new LoadDriver({ peers: [peer], traffic: echo, clients: 1, maxOps: 1, chooser: new RoundRobin(['a', 'b']) }), /knows peers the driver was not given: b/);
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
    for (const h of ['Rpc-Procedure: kv::set', 'Rpc-Shard-Key: shard-1', 'Rpc-Caller: hyperscale-load', 'Rpc-Encoding: json', 'Content-Type: application/json', 'Rpc-Ttl-Ms: 900', `Host: ${new URL(server.peer.baseUrl).host}`]) {
      assert.ok(lines.includes(h), `${h} in\n${head}`);
    }
    assert.equal(Buffer.from(body, 'latin1').toString('utf8'), JSON.stringify({ key: 'k', value: 'éc1-n1' }));
    assert.ok(lines.includes(`Content-Length: ${Buffer.byteLength(JSON.stringify({ key: 'k', value: 'éc1-n1' }))}`), 'content length in bytes, not characters');
    assert.throws(() => new LoadDriver({ peers: [server.peer], traffic: echo, clients: 1, maxOps: 1, headers: { 'X-A': 'a\r\nX-B: b' } }), /must not contain line breaks/);
    assert.throws(() => new LoadDriver({ peers: [server.peer], traffic: echo, clients: 1, maxOps: 1, headers: { 'Content-Length': '1' } }), /set by the driver/);
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
    assert.deepEqual(history.ops.map((o) => o.result), [
      { a: 1, servedBy: 'raw' },
      { b: 2, servedBy: 'raw' },
    ]);
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
    const summary = await new LoadDriver({ peers: [silent.peer], traffic: echo, clients: 3, maxOps: 3, callTimeoutMs: 150, maxConnectingPerPeer: 1, history }).run();
    assert.ok(performance.now() - t0 < 1_000);
    assert.deepEqual(summary.statuses, { timeout: 3 });
    assert.ok(history.ops.every((o) => o.error === 'timeout after 150 ms'));
  } finally {
    await silent.close();
  }
  assert.throws(() => new LoadDriver({ peers: [peer], traffic: echo, clients: 1, maxOps: 1, maxConnectingPerPeer: 0 }), /maxConnectingPerPeer must be/);
});
