import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { createLogger } from '../log';
import { RelayMetrics } from '../metrics';
import { createTracing, SPAN_NAMES, TRACER_NAME } from '../tracing';
import { LeadershipEvents } from './events';
import { FailoverWatch } from './failover';
import { scopeKind } from './scopes';
import { LeadershipEventKind, type LeaseToken } from './types';

const quiet = createLogger({}, 'error', () => undefined);

const token = (scope: string, leaderId: string, fenceToken: number, term = fenceToken): LeaseToken => ({
  scope,
  scopeKind: scopeKind(scope),
  leaderId,
  term,
  fenceToken,
  issuedAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 3000).toISOString(),
  labels: {},
});

function traced() {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor({ exporter });
  const tracing = createTracing({ endpoint: undefined, nodeId: 'west-1', region: 'west', processor });
  const events = new LeadershipEvents(quiet, new RelayMetrics(), tracing.tracer);
  return {
    events,
    spans: async () => {
      await processor.forceFlush();
      return exporter.getFinishedSpans();
    },
  };
}

test("every published event is a mesh.leadership.transition span with the event's facts", async () => {
  const { events, spans } = traced();
  events.publish(LeadershipEventKind.Observed, 'global-control', token('global-control', 'global-1', 12, 3));
  events.publish(LeadershipEventKind.Lost, 'region/west', token('region/west', 'west-1', 7, 2), 'revoked');
  const [observed, lost] = await spans();
  assert.equal(observed?.name, SPAN_NAMES.leadershipTransition);
  assert.equal(observed?.instrumentationScope.name, TRACER_NAME);
  assert.deepEqual(
    { ...observed?.attributes, 'mesh.correlation_id': undefined },
    {
      'mesh.scope': 'global-control',
      'mesh.scope_kind': 'global',
      'mesh.leader': 'global-1',
      'mesh.transition': 'Observed',
      'mesh.term': 3,
      'mesh.fence_token': 12,
      'mesh.reason': '',
      'mesh.correlation_id': undefined,
    },
  );
  assert.equal(lost?.attributes['mesh.transition'], 'Lost');
  assert.equal(lost?.attributes['mesh.scope_kind'], 'custom');
  assert.equal(lost?.attributes['mesh.reason'], 'revoked');
  assert.equal(observed?.resource.attributes['service.instance.id'], 'west-1');
  assert.equal(observed?.resource.attributes['mesh.region'], 'west');
  assert.equal(observed?.resource.attributes['service.name'], 'relay-node');
});

test("Elected after another holder's lease expired is a mesh.failover span covering the vacancy", async () => {
  const { events, spans } = traced();
  events.publish(LeadershipEventKind.Observed, 'global-control', token('global-control', 'global-1', 12));
  events.publish(LeadershipEventKind.Expired, 'global-control', token('global-control', 'global-1', 12), 'LeaseExpired');
  events.publish(LeadershipEventKind.Elected, 'global-control', token('global-control', 'west-1', 15), 'acquired');
  const failover = (await spans()).find((s) => s.name === SPAN_NAMES.failover);
  assert.ok(failover, 'a failover span');
  assert.equal(failover.attributes['mesh.scope'], 'global-control');
  assert.equal(failover.attributes['mesh.previous_leader'], 'global-1');
  assert.equal(failover.attributes['mesh.new_leader'], 'west-1');
  assert.equal(failover.attributes['mesh.reason'], 'expired');
  assert.equal(typeof failover.attributes['mesh.vacancy_ms'], 'number');
  assert.equal((await spans()).filter((s) => s.name === SPAN_NAMES.leadershipTransition).length, 3);
  // Re-elected after its own step-down: no failover.
  events.publish(LeadershipEventKind.SteppedDown, 'global-control', token('global-control', 'west-1', 15), 'shutdown');
  events.publish(LeadershipEventKind.Elected, 'global-control', token('global-control', 'west-1', 16), 'acquired');
  assert.equal((await spans()).filter((s) => s.name === SPAN_NAMES.failover).length, 1);
});

test('FailoverWatch: revoked, released, promoted, vacated; declarations and stale ends do not count', () => {
  const w = new FailoverWatch();
  const s = 'region/east';
  w.note(LeadershipEventKind.Observed, s, token(s, 'east-1', 3), undefined, 1000);
  w.note(LeadershipEventKind.Expired, s, token(s, 'east-1', 3), 'revoked by east-2', 1100);
  assert.deepEqual(w.note(LeadershipEventKind.Elected, s, token(s, 'east-2', 5), 'acquired', 1300), {
    scope: s,
    previousLeader: 'east-1',
    newLeader: 'east-2',
    reason: 'revoked',
    vacantSinceMs: 1100,
    vacancyMs: 200,
  });
  w.note(LeadershipEventKind.Observed, s, token(s, 'east-3', 6), undefined, 1400);
  w.note(LeadershipEventKind.SteppedDown, s, token(s, 'east-3', 6), 'released', 1500);
  assert.equal(w.note(LeadershipEventKind.Elected, s, token(s, 'east-2', 7), 'acquired', 1600)?.reason, 'released');
  w.note(LeadershipEventKind.Observed, s, token(s, 'east-1', 8), undefined, 1700);
  assert.equal(w.note(LeadershipEventKind.Elected, s, token(s, 'east-2', 9), 'promoted', 1800)?.reason, 'promoted');
  // A late end event for an older lease does not mark the current one ended.
  w.note(LeadershipEventKind.Observed, s, token(s, 'east-1', 10), undefined, 1900);
  w.note(LeadershipEventKind.Expired, s, token(s, 'east-1', 8), 'LeaseExpired', 1950);
  const vacated = w.note(LeadershipEventKind.Elected, s, token(s, 'east-2', 11), 'acquired', 2000);
  assert.equal(vacated?.reason, 'vacated');
  assert.equal(vacated?.vacancyMs, undefined);
  w.note(LeadershipEventKind.Observed, s, token(s, 'east-1', 12), undefined, 2100);
  assert.equal(w.note(LeadershipEventKind.Elected, s, token(s, 'east-2', 13), 'etcd-unreachable', 2200), undefined);
});
