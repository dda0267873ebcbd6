// The global forwarder gives up on a holder this node sees replaced, instead of waiting out the timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { seeded } from '../defects';
import type { MembershipTable } from '../gossip/membership';
import { LeadershipEventKind, type LeadershipEvent, type LeaseToken } from '../leadership/types';
import { scopeKind } from '../leadership/scopes';
import { createLogger } from '../log';
import { createGlobalForwarder, holderGone } from './global';

const quiet = createLogger({}, 'error', () => undefined);

function token(leaderId: string, fenceToken: number): LeaseToken {
  return {
    scope: 'global-control',
    scopeKind: scopeKind('global-control'),
    leaderId,
    term: fenceToken,
    fenceToken,
    issuedAt: '2026-01-01T00:00:00Z',
    expiresAt: '2026-01-01T00:00:03Z',
    labels: {},
  };
}

function event(eventKind: LeadershipEventKind, t: LeaseToken | undefined, scope = 'global-control'): LeadershipEvent {
  return { eventKind, scope, token: t, leaderId: t?.leaderId, correlationId: 'c', occurredAt: '2026-01-01T00:00:00Z' };
}

test('holderGone: the holder expired, stepped down or was lost; or another acquisition was observed or won', () => {
  const holder = token('g1', 10);
  assert.equal(holderGone(event(LeadershipEventKind.Expired, holder), holder), true);
  assert.equal(holderGone(event(LeadershipEventKind.SteppedDown, holder), holder), true);
  assert.equal(holderGone(event(LeadershipEventKind.Lost, holder), holder), true);
  assert.equal(holderGone(event(LeadershipEventKind.Observed, token('w1', 11)), holder), true);
  assert.equal(holderGone(event(LeadershipEventKind.Elected, token('e3', 11)), holder), true);
  assert.equal(holderGone(event(LeadershipEventKind.Observed, holder), holder), false, 'the same acquisition seen again');
  assert.equal(holderGone(event(LeadershipEventKind.Renewed, holder), holder), false);
  assert.equal(holderGone(event(LeadershipEventKind.Expired, token('g0', 9)), holder), false, 'an older holder ending says nothing');
});

test('a call forwarded to a holder that stops answering is refused Unavailable as soon as another holder is seen', async (t) => {
  // The "holder": accepts the call and never answers (a paused container).
  const silent = http.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const listeners = new Set<(e: LeadershipEvent) => void>();
  const forward = createGlobalForwarder({
    nodeId: 'east-3',
    httpPort: (silent.address() as AddressInfo).port,
    timeoutMs: 10_000,
    table: { get: () => undefined } as unknown as MembershipTable,
    holder: () => token('127.0.0.1', 10),
    onLeadershipEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    defects: seeded(),
    log: quiet,
  });
  const entry = http.createServer((req, res) => void forward(req, res, 'global::echo'));
  await new Promise<void>((resolve) => entry.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    silent.closeAllConnections();
    silent.close();
    entry.close();
  });
  const started = Date.now();
  const answer = fetch(`http://127.0.0.1:${(entry.address() as AddressInfo).port}/`, {
    method: 'POST',
    headers: { 'rpc-procedure': 'global::echo', 'content-type': 'application/json' },
    body: '{}',
  });
  for (let i = 0; i < 100 && listeners.size === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(listeners.size, 1, 'the forward listens while it waits');
  for (const listener of listeners) listener(event(LeadershipEventKind.Observed, token('west-1', 11)));
  const response = await answer;
  const body = (await response.json()) as { message: string };
  assert.equal(response.status, 503);
  assert.match(body.message, /stopped holding global-control before it answered/);
  assert.ok(Date.now() - started < 2_000, `answered after ${Date.now() - started} ms, not at once`);
  assert.equal(listeners.size, 0, 'the forward stopped listening');
});
