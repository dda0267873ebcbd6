// Fan-out of leadership events to SSE subscribers, the transition metric, the log and, when tracing
// is on, the `mesh.leadership.transition` and `mesh.failover` spans.
import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../log';
import type { RelayMetrics } from '../metrics';
import { recordSpan, SPAN_NAMES } from '../tracing';
import { FailoverWatch } from './failover';
import { scopeKind, scopeKindName } from './scopes';
import { type LeadershipEvent, LeadershipEventKind, type LeaseToken } from './types';
import { clock } from '../clock';

export type LeadershipListener = (event: LeadershipEvent) => void;

export const TRANSITION_NAMES: Record<LeadershipEventKind, string> = {
  [LeadershipEventKind.Snapshot]: 'snapshot',
  [LeadershipEventKind.Observed]: 'observed',
  [LeadershipEventKind.Elected]: 'elected',
  [LeadershipEventKind.Renewed]: 'renewed',
  [LeadershipEventKind.Lost]: 'lost',
  [LeadershipEventKind.Expired]: 'expired',
  [LeadershipEventKind.SteppedDown]: 'stepped_down',
};

export class LeadershipEvents {
  private readonly listeners = new Set<LeadershipListener>();
  private readonly failovers = new FailoverWatch();

  constructor(
    private readonly log: Logger,
    private readonly metrics: RelayMetrics,
    private readonly tracer?: Tracer,
  ) {}

  subscribe(listener: LeadershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `transition` overrides the metric label (an Elected event of a promotion counts as `promoted`). */
  publish(kind: LeadershipEventKind, scope: string, token: LeaseToken | undefined, reason?: string, transition = TRANSITION_NAMES[kind]): LeadershipEvent {
    const event = makeEvent(kind, scope, token, reason);
    this.metrics.leadershipTransitions.inc({
      mesh_scope: scope,
      mesh_scope_kind: scopeKindName(scopeKind(scope)),
      mesh_leader: token?.leaderId ?? '',
      mesh_transition: transition,
    });
    this.log.info(`leadership ${transition}`, {
      scope,
      leaderId: token?.leaderId,
      term: token?.term,
      fenceToken: token?.fenceToken,
      reason,
      correlationId: event.correlationId,
    });
    this.trace(kind, scope, token, reason, event);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.warn('leadership listener failed', { error });
      }
    }
    return event;
  }

  private trace(kind: LeadershipEventKind, scope: string, token: LeaseToken | undefined, reason: string | undefined, event: LeadershipEvent): void {
    const now = Date.parse(event.occurredAt);
    const failover = this.failovers.note(kind, scope, token, reason, now);
    if (!this.tracer) return;
    if (failover) {
      recordSpan(
        this.tracer,
        SPAN_NAMES.failover,
        {
          'mesh.scope': scope,
          'mesh.previous_leader': failover.previousLeader,
          'mesh.new_leader': failover.newLeader,
          'mesh.reason': failover.reason,
          ...(failover.vacancyMs !== undefined ? { 'mesh.vacancy_ms': failover.vacancyMs } : {}),
          ...(token ? { 'mesh.term': token.term, 'mesh.fence_token': token.fenceToken } : {}),
        },
        { start: failover.vacantSinceMs ?? now, end: now },
      );
    }
    recordSpan(
      this.tracer,
      SPAN_NAMES.leadershipTransition,
      {
        'mesh.scope': scope,
        'mesh.scope_kind': scopeKindName(scopeKind(scope)),
        'mesh.leader': token?.leaderId ?? '',
        'mesh.transition': LeadershipEventKind[kind],
        ...(token ? { 'mesh.term': token.term, 'mesh.fence_token': token.fenceToken } : {}),
        'mesh.reason': reason ?? '',
        'mesh.correlation_id': event.correlationId,
      },
      { end: now },
    );
  }
}

export function makeEvent(kind: LeadershipEventKind, scope: string, token: LeaseToken | undefined, reason?: string): LeadershipEvent {
  return {
    eventKind: kind,
    scope,
    ...(token ? { leaderId: token.leaderId, token } : {}),
    ...(reason ? { reason } : {}),
    correlationId: randomUUID(),
    occurredAt: clock.iso(),
  };
}
