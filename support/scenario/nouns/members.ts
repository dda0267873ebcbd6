// The one resolver of member phrases: "east-1", "the global leader", "the previous global leader", "the
// owner of shard-07" (parsed offline by support/members.ts), and the partition tables built from them,
// turned into node ids against the running cluster. Every step, table and fault schedule that names a
// node goes through here, so a phrase means the same thing everywhere.
import type { ClusterNodes } from '../nodes';
import type { Leadership } from './leadership';
import type { ShardMap } from './shard-map';
import { memberOf, parseMember, type Member } from '../../members';
import { resolveGroups, type GroupRow } from '../../tables';

const GLOBAL = 'global-control';

export class Members {
  constructor(
    private readonly nodes: ClusterNodes,
    private readonly leadership: Leadership,
    private readonly shardMap: ShardMap,
  ) {}

  /** The relay node a member names right now; a phrase that names none is an error saying what would. */
  async one(member: Member | string): Promise<string> {
    const m = typeof member === 'string' ? memberOf(member, 'member') : member;
    switch (m.kind) {
      case 'id':
        return this.nodes.cluster.node(m.id).id;
      case 'global leader':
        return this.leadership.current(GLOBAL);
      case 'previous global leader': {
        const previous = this.leadership.deposedFrom(GLOBAL).at(-1);
        if (!previous) throw new Error('"the previous global leader": no global leader was taken down in this scenario yet');
        return previous;
      }
      case 'owner':
        return (await this.shardMap.recordOf(m.shard)).ownerNodeId;
    }
  }

  /**
   * The node a fault step is about to take down. "the global leader" is remembered as deposed, so that
   * "a new global leader" means another node and "the previous global leader" names this one.
   */
  async toTakeDown(member: Member): Promise<string> {
    return member.kind === 'global leader' ? this.leadership.toDepose(GLOBAL) : this.one(member);
  }

  /**
   * `| group | members |` rows as ids: each single-node phrase the rows use is resolved once, then the
   * table's own words (regions, counts, everyone else) by tables.resolveGroups. `named` says what each
   * phrase resolved to.
   */
  async groups(rows: readonly GroupRow[], proxy?: string): Promise<{ groups: Record<string, string[]>; named: ReadonlyMap<string, string> }> {
    const { cluster } = this.nodes;
    const phrases = [
      ...new Set(
        rows.flatMap((r) =>
          r.members.filter((m) => {
            const p = parseMember(m);
            return p !== undefined && p.kind !== 'id';
          }),
        ),
      ),
    ];
    const named = new Map(await Promise.all(phrases.map(async (p) => [p, await this.one(p)] as const)));
    const regions = new Map<string, string>([...cluster.topology.nodes, ...cluster.topology.etcd].map((m) => [m.id, m.region]));
    const groups = resolveGroups(rows, {
      named,
      relay: cluster.relayNodes.map((n) => n.id),
      etcd: cluster.etcd.map((m) => m.id),
      regionOf: (id) => regions.get(id),
      ...(proxy ? { proxy } : {}),
    });
    return { groups, named };
  }
}
