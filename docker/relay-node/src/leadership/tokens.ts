// Lease tokens as the control routes and events show them, and the small comparisons the
// observer, the holder and promotion share.
import type { HeldLease, StoredLease } from './lease-store';
import { scopeKind, scopeKindName, scopeLabels } from './scopes';
import type { LeaseToken } from './types';

export function toToken(lease: StoredLease, expiresAtMs: number): LeaseToken {
  return {
    scope: lease.scope,
    scopeKind: scopeKind(lease.scope),
    leaderId: lease.leaderId,
    term: lease.term,
    fenceToken: lease.fenceToken,
    issuedAt: lease.issuedAt,
    expiresAt: new Date(expiresAtMs).toISOString(),
    labels: scopeLabels(lease.scope),
  };
}

export function sameLease(a: LeaseToken | undefined, b: LeaseToken | undefined): boolean {
  return a?.fenceToken === b?.fenceToken && a?.leaderId === b?.leaderId;
}

/** Identifies one acquisition of a scope. */
export function ownKey(lease: { scope: string; fenceToken: number }): string {
  return `${lease.scope}#${lease.fenceToken}`;
}

export function resultOf(lease: HeldLease): { leaderId: string; term: number; fenceToken: number } {
  return { leaderId: lease.leaderId, term: lease.term, fenceToken: lease.fenceToken };
}

export function scopeMetricLabels(scope: string): Record<string, string> {
  return { mesh_scope: scope, mesh_scope_kind: scopeKindName(scopeKind(scope)) };
}
