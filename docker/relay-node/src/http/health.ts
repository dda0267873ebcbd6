// GET /healthz and /readyz with OmniRelay's HealthPayload. Readiness also waits for enrollment and
// for etcd to be reachable; draining fails only readiness.
import type { ServerResponse } from 'node:http';
import type { NodeState } from '../state';
import { writeJson } from './respond';

export function writeHealth(res: ServerResponse, state: NodeState, readiness: boolean): void {
  const issues = readiness ? state.readinessIssues() : [];
  const healthy = issues.length === 0;
  writeJson(res, healthy ? 200 : 503, {
    status: healthy ? 'ok' : 'unavailable',
    mode: readiness ? 'ready' : 'live',
    issues,
    activeRequests: Math.max(0, state.activeRequests),
    draining: state.draining,
  });
}
