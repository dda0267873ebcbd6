// Liveness and readiness facts shared by the HTTP routes and the background components.
import { clock } from './clock';
export type DispatcherStatus = 'Created' | 'Starting' | 'Running' | 'Stopping' | 'Stopped';

export interface ReadinessRequirements {
  /** Gossip is configured (RELAY_BOOTSTRAP_URL): not ready until enrolled. */
  enrollment: boolean;
  /** Leadership is configured (RELAY_ETCD_ENDPOINTS): not ready while etcd is unreachable. */
  etcd: boolean;
  /** etcd counts as unreachable when no call has succeeded for this long. */
  etcdStaleMs: number;
}

export class NodeState {
  status: DispatcherStatus = 'Starting';
  draining = false;
  activeRequests = 0;
  enrolled = false;
  gossipStarted = false;
  /** notAfter of the certificate gossip uses now (undefined until enrolled). */
  certificateExpiresAt: Date | undefined;
  private etcdLastOkMs: number | undefined;

  constructor(readonly requirements: ReadinessRequirements) {}

  recordEtcdSuccess(nowMs = clock.monotonic()): void {
    this.etcdLastOkMs = nowMs;
  }

  /** When an etcd call last succeeded (undefined: never). */
  get etcdLastOkAt(): number | undefined {
    return this.etcdLastOkMs;
  }

  etcdReachable(nowMs = clock.monotonic()): boolean {
    return this.etcdLastOkMs !== undefined && nowMs - this.etcdLastOkMs <= this.requirements.etcdStaleMs;
  }

  /** Own gossip status: Alive once gossip runs (or when gossip is not configured at all). */
  selfAlive(): boolean {
    return !this.requirements.enrollment || this.gossipStarted;
  }

  readinessIssues(nowMs = clock.monotonic()): string[] {
    const issues: string[] = [];
    if (this.status !== 'Running' && this.status !== 'Stopping') issues.push(`dispatcher:${this.status.toLowerCase()}`);
    if (this.requirements.enrollment && !this.enrolled) issues.push('tls:not-enrolled');
    if (this.requirements.etcd && !this.etcdReachable(nowMs)) issues.push('etcd:unreachable');
    if (this.draining) issues.push('http-inbound:draining');
    return issues;
  }
}
