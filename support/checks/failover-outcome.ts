// The outcome of a failover scenario, normalised for a golden snapshot: node ids become region/role
// (which of two equivalent nodes won is not the point), times and fence values are dropped, and only
// what must be stable from run to run remains. Pure.
import type { Topology } from '../../topologies';
import type { Promotion } from '../fabric/contract';

export interface FailoverFacts {
  readonly initialLeaders: Readonly<Record<string, string>>;
  readonly promotion?: Pick<Promotion, 'scope' | 'method' | 'previousLeaderId' | 'leaderId'>;
  readonly finalLeaders: Readonly<Record<string, string>>;
  /** Terms of the global-control leases, in fence order. */
  readonly globalTerms: readonly number[];
  /** Who served each call that needed the global leader. */
  readonly servedBy: readonly string[];
  readonly deposedSteppedDown: boolean;
}

export function normaliseFailover(topology: Topology, facts: FailoverFacts) {
  const roleOf = (id: string | undefined) => {
    const node = topology.nodes.find((n) => n.id === id);
    return node ? `${node.region}/${node.role}` : `(${id ?? 'none'})`;
  };
  const roles = (leaders: Readonly<Record<string, string>>) =>
    Object.fromEntries(
      Object.entries(leaders)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([scope, id]) => [scope, roleOf(id)]),
    );
  const p = facts.promotion;
  return {
    topology: topology.name,
    initialLeaders: roles(facts.initialLeaders),
    promotion: p ? { scope: p.scope, method: p.method, from: roleOf(p.previousLeaderId), to: roleOf(p.leaderId) } : null,
    finalLeaders: roles(facts.finalLeaders),
    globalTerms: [...facts.globalTerms],
    servedBy: [...new Set(facts.servedBy.map(roleOf))].sort(),
    deposedSteppedDown: facts.deposedSteppedDown,
  };
}
