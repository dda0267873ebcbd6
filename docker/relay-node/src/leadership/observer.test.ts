import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../log';
import { RelayMetrics } from '../metrics';
import type { LeadershipEvents } from './events';
import type { EtcdLeaseStore, HeldLease } from './lease-store';
import { LeaseObserver } from './observer';
import { toToken } from './tokens';
import { clock } from '../clock';

const lease = (leaderId: string, fenceToken: number): HeldLease => ({
  scope: 'region/west',
  leaderId,
  term: 3,
  fenceToken,
  issuedAt: new Date().toISOString(),
  etcdLeaseId: '1',
  expiresAtMs: Date.now() + 3000,
});

/** west-1's observer of region/west, with no events or end markers to speak of. */
const westOneObserver = () =>
  new LeaseObserver(
    { endMarkers: () => Promise.resolve({}) } as unknown as EtcdLeaseStore,
    { publish: () => undefined } as unknown as LeadershipEvents,
    createLogger({}, 'error', () => undefined),
    { nodeId: 'west-1', campaignScopes: ['region/west'], electionIntervalMs: 250, metrics: new RelayMetrics() },
  );

test('a read in flight when this node stepped down does not show it as holder again', async () => {
  const observer = westOneObserver();
  const mine = lease('west-1', 14);
  const stale = { leases: new Map([['region/west', toToken(mine, Date.now() + 2000)]]), revision: 20, atMs: Date.now() };
  // This process acquired fence 14 and has stepped down since: nothing held.
  await observer.apply(stale, { held: new Map(), isOwn: (t) => t.leaderId === 'west-1' && t.fenceToken === 14 });
  assert.equal(observer.holders().get('region/west'), undefined);
  // Held, it is shown; another node's lease always is.
  await observer.apply(stale, { held: new Map([['region/west', mine]]), isOwn: (t) => t.leaderId === 'west-1' });
  assert.equal(observer.holders().get('region/west')?.fenceToken, 14);
  const other = { ...stale, leases: new Map([['region/west', toToken(lease('west-2', 23), Date.now() + 2000)]]) };
  await observer.apply(other, { held: new Map(), isOwn: () => false });
  assert.equal(observer.holders().get('region/west')?.leaderId, 'west-2');
});

test('a lease past its expiry counts as vacant from that observation, though etcd still shows its key', async () => {
  const observer = westOneObserver();
  const own = { held: new Map(), isOwn: () => false };
  const at = clock.monotonic();
  await observer.apply({ leases: new Map([['region/west', toToken(lease('west-2', 23), clock.now() + 2000)]]), revision: 20, atMs: at }, own);
  assert.equal(observer.history('region/west')?.vacantSinceMs, undefined);
  // The same key, its expiry (a wall-clock instant) now passed: vacant since this observation (monotonic).
  await observer.apply({ leases: new Map([['region/west', toToken(lease('west-2', 23), clock.now() - 10)]]), revision: 21, atMs: at + 500 }, own);
  assert.equal(observer.history('region/west')?.vacantSinceMs, at + 500);
});
