// Scope naming per the contract: `global-control` is kind global, `shard/<ns>/<id>` kind shard,
// anything else custom. A regional leader is the custom scope `region/<name>` labelled `region`.
import type { Defects } from '../defects';

/** Integers on control routes (enums-as-integers). */
export enum ScopeKind {
  Global = 0,
  Shard = 1,
  Custom = 2,
}

export const GLOBAL_SCOPE = 'global-control';

export function regionScope(region: string): string {
  return `region/${region}`;
}

export function scopeKind(scope: string): ScopeKind {
  if (scope === GLOBAL_SCOPE) return ScopeKind.Global;
  if (scope.startsWith('shard/')) return ScopeKind.Shard;
  return ScopeKind.Custom;
}

/** Lower-case kind name, as metric label values use it. */
export function scopeKindName(kind: ScopeKind): 'global' | 'shard' | 'custom' {
  return kind === ScopeKind.Global ? 'global' : kind === ScopeKind.Shard ? 'shard' : 'custom';
}

export function scopeLabels(scope: string): Record<string, string> {
  return scope.startsWith('region/') ? { region: scope.slice('region/'.length) } : {};
}

/**
 * The scopes this node campaigns for. With the `eligibility-inverted` defect it campaigns for
 * exactly the standard scopes (global and its own region) it is NOT eligible for.
 */
export function campaignScopes(eligible: readonly string[], region: string, defects: Defects): string[] {
  if (!defects.has('eligibility-inverted')) return [...eligible];
  return [GLOBAL_SCOPE, regionScope(region)].filter((scope) => !eligible.includes(scope));
}

// etcd layout: the lease key lives as long as the holder's etcd lease; the term counter and the
// release marker are plain keys.
export const LEASES_PREFIX = '/omnirelay/leases/';
export const leaseKey = (scope: string): string => `${LEASES_PREFIX}${scope}`;
export const termKey = (scope: string): string => `/omnirelay/terms/${scope}`;
export const releasedKey = (scope: string): string => `/omnirelay/released/${scope}`;
export const revokedKey = (scope: string): string => `/omnirelay/revoked/${scope}`;
