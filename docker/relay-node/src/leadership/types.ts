// Wire shapes of the leadership control routes (integers for enums).
import { ScopeKind } from './scopes';

export interface LeaseToken {
  scope: string;
  scopeKind: ScopeKind;
  leaderId: string;
  term: number;
  /** The lease key's etcd create_revision: store-assigned, strictly increasing per scope. */
  fenceToken: number;
  issuedAt: string;
  expiresAt: string;
  labels: Record<string, string>;
}

export enum LeadershipEventKind {
  Snapshot = 0,
  Observed = 1,
  Elected = 2,
  Renewed = 3,
  Lost = 4,
  Expired = 5,
  SteppedDown = 6,
}

export interface LeadershipEvent {
  eventKind: LeadershipEventKind;
  scope: string;
  leaderId?: string;
  token?: LeaseToken;
  reason?: string;
  correlationId: string;
  occurredAt: string;
}

/** Failure reasons of the real lease store. */
export type LeaseFailureReason = 'LeaseHeld' | 'LeaseExpired' | 'NotCurrentLeader' | 'StoreUnavailable';
