// Lease semantics against a real etcd (Debian's etcd-server); skipped when no etcd binary exists.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type LocalEtcd, skipWithoutEtcd, startLocalEtcd } from '../testing/local-etcd';
import { EtcdClient, EtcdUnavailableError } from './etcd-client';
import { EtcdLeaseStore } from './lease-store';

describe('EtcdLeaseStore on a real etcd', { skip: skipWithoutEtcd }, () => {
  let local: LocalEtcd | undefined;
  let endpoint = '';

  before(async () => {
    local = await startLocalEtcd();
    endpoint = local.endpoint;
  });

  after(() => {
    local?.stop();
  });

  const store = (nodeId: string, endpoints = [endpoint]): EtcdLeaseStore => new EtcdLeaseStore(new EtcdClient({ endpoints }), nodeId, 2);

  test('the first candidate wins; the second sees the holder', async () => {
    const a = store('a');
    const b = store('b');
    const won = await a.tryAcquire('s1');
    assert.ok(won.acquired);
    assert.equal(won.lease.term, 1);
    assert.equal(won.lease.leaderId, 'a');
    const now = a.clock.now(); // the store's lease clock
    assert.ok(won.lease.expiresAtMs > now && won.lease.expiresAtMs <= now + 2000);
    const lost = await b.tryAcquire('s1');
    assert.equal(lost.acquired, false);
    if (!lost.acquired) {
      assert.equal(lost.holder?.leaderId, 'a');
      assert.equal(lost.holder?.fenceToken, won.lease.fenceToken, "fence token is the key's create_revision");
    }
  });

  test('concurrent candidates: exactly one wins', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((id) => store(id).tryAcquire('s2')));
    assert.equal(results.filter((r) => r.acquired).length, 1);
  });

  test('each acquisition raises term and fence; release needs the matching fence', async () => {
    const a = store('a');
    const b = store('b');
    const first = await a.tryAcquire('s3');
    assert.ok(first.acquired);
    assert.ok((await a.renew(first.lease)) !== undefined);
    assert.equal(await a.release(first.lease), true);
    const marker = await b.releaseMarker('s3');
    assert.equal(marker?.fenceToken, first.lease.fenceToken);

    const second = await b.tryAcquire('s3');
    assert.ok(second.acquired);
    assert.equal(second.lease.term, 2);
    assert.ok(second.lease.fenceToken > first.lease.fenceToken);

    // A stale release (old fence) must not remove the new holder's key.
    assert.equal(await a.release(first.lease), false);
    const { leases } = await b.observeAll();
    const seen = leases.find((l) => l.scope === 's3');
    assert.equal(seen?.leaderId, 'b');
    assert.equal(seen?.term, 2);
    assert.ok((seen?.remainingMs ?? 0) > 0);
  });

  test('an abandoned (revoked) lease cannot be renewed and frees the scope', async () => {
    const a = store('a');
    const b = store('b');
    const held = await a.tryAcquire('s4');
    assert.ok(held.acquired);
    await a.abandon(held.lease);
    assert.equal(await a.renew(held.lease), undefined);
    const next = await b.tryAcquire('s4');
    assert.ok(next.acquired);
    assert.equal(next.lease.term, 2);
  });

  test('an unrenewed lease expires after its TTL and the scope can be taken', async () => {
    const a = store('a');
    const b = store('b');
    const held = await a.tryAcquire('s5');
    assert.ok(held.acquired);
    const started = Date.now();
    for (;;) {
      const attempt = await b.tryAcquire('s5');
      if (attempt.acquired) {
        assert.ok(Date.now() - started >= 1000, 'not before the lease could have expired');
        assert.ok(attempt.lease.fenceToken > held.lease.fenceToken);
        break;
      }
      assert.ok(Date.now() - started < 6000, 'the lease did not expire');
      await sleep(200);
    }
  });

  test('the client fails over to the next endpoint and reports total failure', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const s = store('a', [dead, endpoint]);
    const result = await s.tryAcquire('s6');
    assert.ok(result.acquired);
    const unreachable = new EtcdClient({ endpoints: [dead], timeoutMs: 300 });
    await assert.rejects(unreachable.range('/x'), EtcdUnavailableError);
  });

  test('a winning transaction whose answer was lost is kept, not revoked, when the client retries elsewhere', async () => {
    // In front of etcd: forwards everything, but swallows the answer to the acquisition (a txn with a put),
    // as a member that commits and then stalls does. The client times out and retries on the next endpoint.
    const front = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      const relay = async () => {
        const answer = await fetch(`${endpoint}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await answer.text();
        if (req.url === '/v3/kv/txn' && body.includes('request_put')) return; // committed, never answered
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
      };
      // Not an async listener (its rejection would go unhandled): a failing relay resets the connection instead.
      req.on('end', () => void relay().catch((e: Error) => res.destroy(e)));
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
      const a = new EtcdLeaseStore(new EtcdClient({ endpoints: [frontUrl, endpoint], timeoutMs: 400 }), 'a', 2);
      const won = await a.tryAcquire('s7');
      assert.ok(won.acquired, 'the retry found its own committed key');
      assert.equal((await store('b').readHolder('s7'))?.fenceToken, won.lease.fenceToken);
      assert.ok((await a.renew(won.lease)) !== undefined, 'the lease was not revoked');
    } finally {
      front.closeAllConnections();
      front.close();
    }
  });
});
