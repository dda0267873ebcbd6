// Fan-out of leadership events to SSE subscribers, the transition metric and the log.
import { randomUUID } from "node:crypto";
import type { Logger } from "../log";
import type { RelayMetrics } from "../metrics";
import { scopeKind, scopeKindName } from "./scopes";
import { type LeadershipEvent, LeadershipEventKind, type LeaseToken } from "./types";

export type LeadershipListener = (event: LeadershipEvent) => void;

const TRANSITION_NAMES: Record<LeadershipEventKind, string> = {
  [LeadershipEventKind.Snapshot]: "snapshot",
  [LeadershipEventKind.Observed]: "observed",
  [LeadershipEventKind.Elected]: "elected",
  [LeadershipEventKind.Renewed]: "renewed",
  [LeadershipEventKind.Lost]: "lost",
  [LeadershipEventKind.Expired]: "expired",
  [LeadershipEventKind.SteppedDown]: "stepped_down",
};

export class LeadershipEvents {
  private readonly listeners = new Set<LeadershipListener>();

  constructor(
    private readonly log: Logger,
    private readonly metrics: RelayMetrics,
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
      mesh_leader: token?.leaderId ?? "",
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
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.warn("leadership listener failed", { error });
      }
    }
    return event;
  }
}

export function makeEvent(kind: LeadershipEventKind, scope: string, token: LeaseToken | undefined, reason?: string): LeadershipEvent {
  return {
    eventKind: kind,
    scope,
    ...(token ? { leaderId: token.leaderId, token } : {}),
    ...(reason ? { reason } : {}),
    correlationId: randomUUID(),
    occurredAt: new Date().toISOString(),
  };
}
