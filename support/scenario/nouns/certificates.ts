// Certificate faults: the suite's CA issues a node's next certificate already expired (or expiring within
// seconds, after which the CA is out of the node's reach so it cannot renew), and the node is asked
// (relay-node's `reenroll` chaos hook) to renew at once and hot-swap it. Its peers must refuse it once
// expired. The heal restores normal issuance and asks again, so the node rejoins with a valid certificate.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import { judge } from '../../checks/eventually';
import { onlyNodeLeftProblems } from '../../checks/cluster-views';
import { attachJson } from '../../evidence/attach';
import type { Duration } from '../../duration';

const HOUR_MS = 3_600_000;

export class CertificateFaults {
  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
  ) {}

  async expire(nodeId: string, duration: Duration): Promise<void> {
    const { cluster } = this.nodes;
    cluster.node(nodeId); // an unknown id fails here, before anything is changed
    await this.ctx.faults.inject(
      'expired certificate',
      { kind: 'node', node: nodeId },
      async () => {
        const now = Date.now();
        cluster.bootstrap.setValidity(nodeId, { notBefore: new Date(now - 2 * HOUR_MS), notAfter: new Date(now - HOUR_MS) });
        await this.renewNow(nodeId, (notAfter) => notAfter < Date.now());
      },
      async () => {
        cluster.bootstrap.setValidity(nodeId, undefined);
        await this.renewNow(nodeId, (notAfter) => notAfter > Date.now());
        await attachJson(
          this.ctx.evidence,
          `enrollments-${nodeId}`,
          cluster.bootstrap.enrollments.filter((e) => e.nodeId === nodeId),
        );
      },
      duration.ms,
    );
  }

  /**
   * The node renews into a certificate valid for `lifetime` only, and the CA then answers its renewals
   * 503 until the fault heals (`duration` after it started): the certificate runs out while the node is
   * still in the mesh, as when a CA outage outlasts a certificate.
   */
  async expireSoon(nodeId: string, lifetime: Duration, duration: Duration): Promise<void> {
    const { cluster } = this.nodes;
    cluster.node(nodeId);
    if (duration.ms <= lifetime.ms) throw new Error(`the CA must stay out of reach longer than the certificate lives (${lifetime}), got ${duration}`);
    let notAfterMs = 0;
    await this.ctx.faults.inject(
      `certificate expiring in ${lifetime}`,
      { kind: 'node', node: nodeId },
      async () => {
        const now = Date.now();
        notAfterMs = now + lifetime.ms;
        cluster.bootstrap.setValidity(nodeId, { notBefore: new Date(now - HOUR_MS), notAfter: new Date(notAfterMs) });
        try {
          await this.renewNow(nodeId, (notAfter) => Math.abs(notAfter - notAfterMs) < 1_500); // x509 keeps whole seconds
        } finally {
          cluster.bootstrap.setValidity(nodeId, undefined);
        }
        cluster.bootstrap.setAvailability(nodeId, false);
        this.ctx.log(`${nodeId} holds a certificate expiring at ${new Date(notAfterMs).toISOString()}; the CA refuses its renewals`);
      },
      async () => {
        cluster.bootstrap.setAvailability(nodeId, true);
        await this.renewNow(nodeId, (notAfter) => notAfter > Date.now());
        await attachJson(
          this.ctx.evidence,
          `enrollments-${nodeId}`,
          cluster.bootstrap.enrollments.filter((e) => e.nodeId === nodeId),
        );
      },
      duration.ms,
    );
  }

  /** Pokes the node's renewal until the CA has issued it a certificate `wanted` accepts (bounded). */
  private async renewNow(nodeId: string, wanted: (notAfterMs: number) => boolean): Promise<void> {
    const { cluster } = this.nodes;
    const before = cluster.bootstrap.enrollments.filter((e) => e.nodeId === nodeId).length;
    await this.ctx.verdicts.waitFor(
      `${nodeId} re-enrolls and receives the certificate the fault calls for`,
      async () => {
        const issued = cluster.bootstrap.enrollments.filter((e) => e.nodeId === nodeId);
        const latest = issued.at(-1);
        if (issued.length > before && latest && wanted(latest.notAfter.getTime())) return { ok: true, notAfter: latest.notAfter.toISOString() };
        const poke = await cluster.node(nodeId).chaos('reenroll', 'start');
        if (poke.status === 404)
          throw new Error(`${nodeId} has no 'reenroll' chaos hook (relay-node extension): it cannot hot-swap its certificate on request`);
        return { ok: false, notAfter: latest?.notAfter.toISOString() ?? '(none)' };
      },
      (r) => judge(r.ok ? [] : [`latest certificate of ${nodeId} expires ${r.notAfter}`]),
      { timeoutMs: 10_000, intervalMs: 300 },
    );
  }

  /** Every other node sees `nodeId` Left, and still sees the rest Alive: only the faulty node is affected. */
  async expectRefusedByPeers(nodeId: string, within: Duration): Promise<void> {
    const others = this.nodes.cluster.relayNodes.filter((n) => n.id !== nodeId);
    const views = await this.ctx.verdicts.within(
      `every other node sees ${nodeId} Left and each other Alive`,
      () => this.nodes.askEveryNode((n) => n.peers(), others),
      (v) => judge(onlyNodeLeftProblems(v, nodeId)),
      { timeoutMs: within.ms },
    );
    await attachJson(
      this.ctx.evidence,
      `peers-while-${nodeId}-expired`,
      Object.fromEntries([...views].map(([id, v]) => [id, v.peers.map((p) => `${p.nodeId}: ${p.status}`)])),
    );
  }
}
