// LeadershipService against a real etcd (skipped without an etcd binary): step-down when keepalives
// fail, release on stop, promotion (release and revoke paths), and the fenced sequence.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DefectName } from '../defects';
import { createLogger } from '../log';
import { RelayMetrics } from '../metrics';
import { SequenceService } from '../sequence/service';
import { type LocalEtcd, skipWithoutEtcd, startLocalEtcd } from '../testing/local-etcd';
import { EtcdClient } from './etcd-client';
import { LeadershipEvents } from './events';
import { LeadershipService } from './leadership';
import { EtcdLeaseStore, type HeldLease } from './lease-store';
import { type LeadershipEvent, LeadershipEventKind } from './types';
import { clock } from '../clock';

const TTL_S = 2;

/** A TCP proxy in front of etcd that can be cut (every connection dropped and refused) and healed. */
class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private cutOff = false;
  private server: Server | undefined;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.cutOff) return void client.destroy();
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    this.port = await new Promise<number>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve((this.server!.address() as { port: number }).port)));
  }

  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
  }

  heal(): void {
    this.cutOff = false;
  }

  close(): void {
    this.cut();
    this.server?.close();
  }
}

interface Node {
  id: string;
  service: LeadershipService;
  events: LeadershipEvent[];
  metrics: RelayMetrics;
  etcd: EtcdClient;
}

describe('LeadershipService on a real etcd', { skip: skipWithoutEtcd }, () => {
  let local: LocalEtcd | undefined;
  let clientPort = 0;
  let endpoint = '';
  const started: LeadershipService[] = [];
  const proxies: CuttableProxy[] = [];

  before(async () => {
    local = await startLocalEtcd();
    endpoint = local.endpoint;
    clientPort = local.clientPort;
  });

  after(async () => {
    for (const service of started) await service.stop('test-end', 300).catch(() => undefined);
    for (const proxy of proxies) proxy.close();
    local?.stop();
  });

  async function proxy(): Promise<CuttableProxy> {
    const p = new CuttableProxy(clientPort);
    await p.start();
    proxies.push(p);
    return p;
  }

  function node(
    id: string,
    scopes: string[],
    opts: {
      via?: CuttableProxy;
      alsoVia?: CuttableProxy;
      intervalMs?: number;
      campaign?: boolean;
      defects?: DefectName[];
      store?: (etcd: EtcdClient) => EtcdLeaseStore;
    } = {},
  ): Node {
    const url = opts.via ? `http://127.0.0.1:${opts.via.port}` : endpoint;
    // alsoVia: a second "member" (the same etcd behind a proxy), for a member that can be cut off.
    const client = new EtcdClient({ endpoints: [url, ...(opts.alsoVia ? [`http://127.0.0.1:${opts.alsoVia.port}`] : [])], timeoutMs: 300 });
    const metrics = new RelayMetrics();
    const log = createLogger({ node: id }, 'error');
    const events = new LeadershipEvents(log, metrics);
    const seen: LeadershipEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const store = opts.store?.(client) ?? new EtcdLeaseStore(client, id, TTL_S);
    const service = new LeadershipService(store, events, log, {
      nodeId: id,
      region: 'r',
      eligibleScopes: scopes,
      campaignScopes: opts.campaign === false ? [] : scopes,
      ttlSeconds: TTL_S,
      electionIntervalMs: opts.intervalMs ?? 100,
      jitter: { minMs: 0, maxMs: 10 },
      globalStandbyMs: TTL_S * 1000,
      defects: new Set(opts.defects ?? []),
      metrics,
      canCampaign: () => true,
      dedicatedGlobal: () => 'unknown',
      etcdLastOkMs: () => clock.monotonic(),
    });
    service.start();
    started.push(service);
    return { id, service, events: seen, metrics, etcd: client };
  }

  async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 8000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  }

  const ownToken = (n: Node, scope: string) => n.service.tokens(scope).find((t) => t.leaderId === n.id);

  test('a holder whose keepalives fail stops reporting itself as leader before its etcd lease can expire', async () => {
    const p = await proxy();
    const a = node('a', ['s-cut'], { via: p });
    await until('a to hold s-cut', () => a.service.holds('s-cut'));
    await sleep(800); // at least one successful keep-alive
    const lease = a.service.holds('s-cut') as HeldLease;
    // The local deadline counts from when the last successful keep-alive was sent; etcd counts from
    // when it received it, so etcd's lease lives at least until here.
    const etcdExpiresNoEarlierThan = lease.expiresAtMs;
    p.cut();
    const b = node('b', ['s-cut']);
    await until('a to stop reporting itself', () => ownToken(a, 's-cut') === undefined, 5000);
    const stoppedAt = clock.monotonic(); // lease deadlines are on the monotonic clock (lease-clock.ts)
    assert.ok(stoppedAt < etcdExpiresNoEarlierThan, `stopped ${stoppedAt - etcdExpiresNoEarlierThan} ms after etcd's earliest expiry`);
    assert.equal(a.service.holds('s-cut'), undefined);
    const lost = a.events.find((e) => e.eventKind === LeadershipEventKind.Lost && e.scope === 's-cut');
    assert.match(lost?.reason ?? '', /LeaseExpired/);
    await until('b to take over', () => b.service.holds('s-cut'));
    assert.ok(clock.monotonic() > stoppedAt);
    assert.ok((b.service.holds('s-cut')?.fenceToken ?? 0) > lease.fenceToken);
  });

  for (const defect of [false, true]) {
    test(`one etcd member cut off, a majority left: ${defect ? 'leader-needs-every-etcd-member steps down' : 'the holder keeps its lease'}`, async () => {
      const member = await proxy();
      const scope = `s-member-${defect}`;
      const a = node(`m-${defect}`, [scope], { alsoVia: member, ...(defect ? { defects: ['leader-needs-every-etcd-member' as DefectName] } : {}) });
      const held = await until('the holder to take the lease', () => a.service.holds(scope));
      member.cut();
      await sleep(TTL_S * 1000);
      const lost = a.events.find((e) => e.eventKind === LeadershipEventKind.Lost && e.scope === scope);
      if (defect) {
        assert.match(lost?.reason ?? '', /etcd member\(s\) unreachable: http:\/\/127\.0\.0\.1:/);
      } else {
        assert.equal(lost, undefined, `lost the lease: ${lost?.reason}`);
        assert.equal(a.service.holds(scope)?.fenceToken, held.fenceToken);
      }
    });
  }

  test('stop() (the SIGTERM path) releases: the next candidate takes over at once', async () => {
    const a = node('a2', ['s-stop']);
    const held = await until('a2 to hold s-stop', () => a.service.holds('s-stop'));
    const b = node('b2', ['s-stop']);
    await sleep(300);
    const stoppedAt = Date.now();
    await a.service.stop();
    assert.ok(a.events.some((e) => e.eventKind === LeadershipEventKind.SteppedDown && e.reason === 'shutdown'));
    const taken = await until('b2 to take over', () => b.service.holds('s-stop'), 3000);
    assert.ok(Date.now() - stoppedAt < 1000, `takeover took ${Date.now() - stoppedAt} ms (a release, not an expiry)`);
    assert.equal(taken.term, held.term + 1);
    await until('b2 to see the release', () => b.events.some((e) => e.eventKind === LeadershipEventKind.SteppedDown && e.reason === 'released'));
  });

  test('no-release-on-shutdown leaves the lease to expire', async () => {
    const a = node('a3', ['s-norelease'], { defects: ['no-release-on-shutdown'] });
    await until('a3 to hold', () => a.service.holds('s-norelease'));
    const b = node('b3', ['s-norelease']);
    await sleep(300);
    const stoppedAt = Date.now();
    await a.service.stop();
    await until('b3 to take over', () => b.service.holds('s-norelease'), 5000);
    assert.ok(Date.now() - stoppedAt >= 1000, `took over after ${Date.now() - stoppedAt} ms: must wait for the expiry`);
  });

  test('promotion asks a live incumbent to release', async () => {
    const a = node('a4', ['s-promo']);
    const first = await until('a4 to hold', () => a.service.holds('s-promo'));
    const b = node('b4', ['s-promo'], { campaign: false });
    const result = await b.service.promote('s-promo', (holder) =>
      a.service.releaseOnRequest(holder.scope, holder.fenceToken).then(
        () => 'released' as const,
        () => 'refused' as const,
      ),
    );
    assert.equal(result.method, 'released');
    assert.equal(result.previousLeaderId, 'a4');
    assert.equal(result.leaderId, 'b4');
    assert.equal(result.term, first.term + 1);
    assert.ok(result.fenceToken > first.fenceToken);
    assert.ok(a.events.some((e) => e.eventKind === LeadershipEventKind.SteppedDown && e.reason === 'released'));
    assert.ok(b.events.some((e) => e.eventKind === LeadershipEventKind.Elected && e.reason === 'promoted'));
    assert.match(
      await b.metrics.registry.render(),
      /mesh_leadership_transitions_total\{mesh_scope="s-promo",mesh_scope_kind="custom",mesh_leader="b4",mesh_transition="promoted"\} 1/,
    );
    // The incumbent holds off, so the promoted node keeps the scope.
    await sleep(600);
    assert.equal(b.service.holds('s-promo')?.fenceToken, result.fenceToken);
    // A wrong fence is refused; promoting the holder again is a no-op.
    await assert.rejects(a.service.releaseOnRequest('s-promo', result.fenceToken), /not releasing/);
    assert.equal((await b.service.promote('s-promo', async () => 'refused')).method, 'held');
    await assert.rejects(
      b.service.promote('s-other', async () => 'refused'),
      (e: Error & { httpStatus?: number }) => e.httpStatus === 409,
    );
  });

  test('promotion revokes an incumbent that does not answer; it steps down when it resumes', async () => {
    const p = await proxy();
    const a = node('a5', ['s-revoke'], { via: p });
    const first = await until('a5 to hold', () => a.service.holds('s-revoke'));
    p.cut(); // a5 can neither renew nor answer: as good as paused
    const b = node('b5', ['s-revoke'], { campaign: false });
    const startedAt = Date.now();
    const result = await b.service.promote('s-revoke', async () => 'no-answer');
    assert.ok(Date.now() - startedAt < 1000, `promotion took ${Date.now() - startedAt} ms`);
    assert.equal(result.method, 'revoked');
    assert.ok(result.fenceToken > first.fenceToken);
    p.heal();
    const lost = await until('a5 to step down', () => a.events.find((e) => e.eventKind === LeadershipEventKind.Lost && e.scope === 's-revoke'));
    assert.ok(['revoked', 'superseded'].includes(lost.reason ?? '') || /LeaseExpired/.test(lost.reason ?? ''), lost.reason);
    await until('a5 to report b5', () => a.service.tokens('s-revoke')[0]?.leaderId === 'b5');
  });

  test('promotion-revoke-wrong-lease: the frozen incumbent is waited out, not revoked, though the answer says revoked', async () => {
    const p = await proxy();
    const a = node('a5w', ['s-revoke-w'], { via: p });
    const first = await until('a5w to hold', () => a.service.holds('s-revoke-w'));
    p.cut();
    const b = node('b5w', ['s-revoke-w'], { campaign: false, defects: ['promotion-revoke-wrong-lease'] });
    const startedAt = Date.now();
    const result = await b.service.promote('s-revoke-w', async () => 'no-answer');
    assert.equal(result.method, 'revoked');
    assert.ok(result.fenceToken > first.fenceToken);
    // Acquired only once the incumbent's etcd lease ran out: not before its local deadline.
    assert.ok(Date.now() >= first.expiresAtMs, `acquired ${first.expiresAtMs - Date.now()} ms before the incumbent's lease ran out`);
    assert.ok(Date.now() - startedAt > 500, `promotion took only ${Date.now() - startedAt} ms`);
    p.heal();
  });

  test('a resumed holder whose lease was revoked steps down on its first renewal (reason revoked)', async () => {
    const a = node('a6', ['s-resume'], { intervalMs: 60_000 }); // observation too rare to notice first
    const held = await until('a6 to hold', () => a.service.holds('s-resume'));
    const operator = new EtcdClient({ endpoints: [endpoint] });
    await operator.leaseRevoke(held.etcdLeaseId);
    const lost = await until('a6 to step down', () => a.events.find((e) => e.eventKind === LeadershipEventKind.Lost), 2000);
    assert.equal(lost.reason, 'revoked');
  });

  test('the sequence is fenced: a deposed holder can neither hand out nor persist numbers', async () => {
    // A store whose renewals always "succeed" stands for a holder that has not yet noticed it was deposed.
    class Oblivious extends EtcdLeaseStore {
      override async renew(): Promise<number> {
        return Date.now() + TTL_S * 1000;
      }
    }
    const a = node('a7', ['global-control'], { intervalMs: 60_000, store: (c) => new Oblivious(c, 'a7', TTL_S) });
    await until('a7 to hold global-control', () => a.service.holds('global-control'));
    const log = createLogger({}, 'error');
    const seqA = new SequenceService(a.etcd, a.service, log);
    const values: number[] = [];
    for (let i = 0; i < 5; i++) values.push((await seqA.next('t')).value);
    assert.deepEqual(values, [1, 2, 3, 4, 5]);
    const parallel = await Promise.all(Array.from({ length: 10 }, () => seqA.next('t')));
    assert.deepEqual(
      parallel.map((v) => v.value).sort((x, y) => x - y),
      [6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    );

    const b = node('b7', ['global-control'], { campaign: false });
    const promoted = await b.service.promote('global-control', async () => 'no-answer');
    assert.equal(promoted.method, 'revoked');
    assert.ok(a.service.holds('global-control'), 'a7 still believes it holds');
    await assert.rejects(seqA.next('t'), (e: Error) => e.message === `not the current leader (fence ${parallel[0]?.fenceToken})`);
    assert.equal(a.service.holds('global-control'), undefined, 'a7 stepped down on the fence failure');
    assert.ok(
      a.events.some((e) => e.eventKind === LeadershipEventKind.Lost && e.reason === 'superseded'),
      'b7 holds the scope now',
    );

    const seqB = new SequenceService(b.etcd, b.service, log);
    const next = await seqB.next('t');
    assert.equal(next.value, 16);
    assert.equal(next.leaderId, 'b7');
    assert.equal(next.fenceToken, promoted.fenceToken);
    await b.service.stop();
  });
  test('an observation answered late (the observer was paused) carries the expiry etcd gave when asked, not a fresh one', async () => {
    const a = node('a9', ['s-late']);
    await until('a9 to hold s-late', () => a.service.holds('s-late'));
    const asked: number[] = [];
    // etcd answers at once; the observer only reads the answer 2.5 s (more than the TTL) later, as after a pause.
    class LateStore extends EtcdLeaseStore {
      override async observeAll(): ReturnType<EtcdLeaseStore['observeAll']> {
        asked.push(Date.now());
        const answer = await super.observeAll();
        await sleep(2_500);
        return answer;
      }
    }
    const b = node('b9', ['s-late'], { campaign: false, store: (etcd) => new LateStore(etcd, 'b9', TTL_S) });
    const seen = await until("b9 to observe a9's lease", () => b.service.tokens('s-late').find((t) => t.leaderId === 'a9'), 10_000);
    const latestAsk = Math.max(...asked);
    assert.ok(
      Date.parse(seen.expiresAt) <= latestAsk + TTL_S * 1000,
      `expiry ${seen.expiresAt} is later than the ask (${new Date(latestAsk).toISOString()}) plus the TTL`,
    );
    await b.service.stop();
    await a.service.stop();
  });
});
