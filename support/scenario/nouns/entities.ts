// Entities with traits (relay-node extension feature:mesh-entity-traits): registers made auditable, a
// large value that must travel whole, eviction from memory on the owner, and the trait checks over
// the client history (checks/entity-traits.ts).
import { createHash } from 'node:crypto';
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { ShardMap } from './shard-map';
import { judge } from '../../checks/eventually';
import { auditProblems, versionProblems } from '../../checks/entity-traits';
import { finalReads } from './final-reads';
import { recordShardCall } from './shard-calls';

const SETUP = 'setup';
/** A judgement over fewer changes, or fewer refusals of stale versions, proves nothing. */
const MINIMUM_ACKNOWLEDGED = 50;
const MINIMUM_REFUSED = 5;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `mib` MiB of text that no copy could get right by accident: a chain of hashes, not a repeated byte. */
export function largeValue(mib: number, seed: string): string {
  const parts: string[] = [];
  let link = sha256(seed);
  for (let size = 0; size < mib * 1024 * 1024; size += link.length) {
    parts.push(link);
    link = sha256(link);
  }
  return parts.join('').slice(0, mib * 1024 * 1024);
}

export class Entities {
  private readonly audited = new Map<string, string[]>();
  private readonly large = new Map<string, { shardId: string; sha256: string; bytes: number; version: number }>();

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly map: ShardMap,
  ) {}

  /** Gives each key the auditable trait (a write of its own, retried until acknowledged). */
  async makeAuditable(keys: readonly string[], shardId: string): Promise<void> {
    for (const key of keys) {
      await this.ctx.verdicts.waitFor(
        `${key} on ${shardId} is auditable`,
        () => this.record(SETUP, 'kv::traits', { key, auditable: true }, shardId),
        (r) => judge(r.status === 200 ? [] : [`HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`]),
        { timeoutMs: 15_000, intervalMs: 250 },
      );
    }
    this.audited.set(shardId, [...(this.audited.get(shardId) ?? []), ...keys]);
  }

  /** Writes `mib` MiB to `key` (outside the history: a verdict reads it back, the copies are compared). */
  async writeLarge(mib: number, key: string, shardId: string): Promise<void> {
    const value = largeValue(mib, `${this.ctx.clock.startedAtWall}-${key}`);
    const answer = await this.ctx.verdicts.waitFor(
      `a ${mib} MiB value written to ${key} on ${shardId} is acknowledged`,
      () => this.nodes.liveNodes()[0]!.call('kv::set', { key, value }, { 'Rpc-Shard-Key': shardId }, 20_000),
      (r) => judge(r.status === 200 ? [] : [`HTTP ${r.status}`]),
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const version = (answer.body as { version?: number }).version ?? 0;
    this.large.set(key, { shardId, sha256: sha256(value), bytes: value.length, version });
    this.ctx.log(`${key} on ${shardId}: ${value.length} bytes written at version ${version} (sha256 ${sha256(value).slice(0, 12)}…)`);
  }

  /** The large value reads back byte for byte through the owner, and every copy of its shard holds it. */
  async expectLargeIntact(key: string): Promise<void> {
    const written = this.large.get(key);
    if (!written) throw new Error(`no large value was written to ${key}: add "When a … MiB value is written to "${key}" on shard-…" first`);
    const { shardId } = written;
    const read = await this.nodes.liveNodes()[0]!.call('kv::get', { key }, { 'Rpc-Shard-Key': shardId }, 20_000);
    const problems: string[] = [];
    const got = (read.body as { value?: unknown }).value;
    const seen = (where: string, value: unknown) => {
      if (typeof value !== 'string') return problems.push(`${where}: ${value === undefined || value === null ? 'absent' : typeof value}`);
      if (value.length !== written.bytes || sha256(value) !== written.sha256)
        problems.push(
          `${where}: ${value.length} bytes, sha256 ${sha256(value).slice(0, 12)}… (written: ${written.bytes} bytes, ${written.sha256.slice(0, 12)}…)`,
        );
    };
    if (read.status !== 200) problems.push(`kv::get answered HTTP ${read.status}`);
    else seen(`read through the owner`, got);
    const record = await this.map.recordOf(shardId);
    const holders = [record.ownerNodeId, ...(record.replicas ?? [])];
    const copies = await this.nodes.askEveryNode(
      (n) => n.shardCopy(shardId),
      holders.map((id) => this.nodes.cluster.node(id)),
    );
    for (const [node, copy] of copies) {
      if (copy instanceof Error) problems.push(`${node}: ${copy.message}`);
      else seen(`${node}'s copy (${copy.role})`, (copy.data as { kv?: Record<string, { value?: unknown }> }).kv?.[key]?.value);
    }
    await this.ctx.verdicts.now(`the ${written.bytes}-byte value of ${key} is intact on ${shardId}`, problems, { ...written, holders });
  }

  /** The current owner of `shardId` evicts every entity of it from memory; at least one must go. */
  async evictOnOwner(shardId: string): Promise<void> {
    const { ownerNodeId } = await this.map.recordOf(shardId);
    const answer = await this.nodes.cluster.node(ownerNodeId).evictEntities(shardId);
    if (answer.status !== 200) throw new Error(`${ownerNodeId} refused to evict ${shardId}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    if (answer.body.evicted < 1) throw new Error(`${ownerNodeId} had no entity of ${shardId} in memory to evict: the reload would prove nothing`);
    this.ctx.log(`${ownerNodeId} evicted ${answer.body.evicted} entities of ${shardId} from memory`);
  }

  /** No version of an entity on `shardId` was won by two acknowledged changes; stale writes were refused. */
  async expectNoVersionClaimedTwice(shardId: string): Promise<void> {
    const ops = this.ctx.history.ops.filter((o) => o.shardKey === shardId && o.process !== SETUP);
    const { problems, detail } = versionProblems(ops, { minimumAcknowledged: MINIMUM_ACKNOWLEDGED, minimumRefused: MINIMUM_REFUSED });
    await this.ctx.verdicts.now(`no two acknowledged changes on ${shardId} claimed one version`, problems, detail);
  }

  /** A final read of every audited entity's log: one entry per acknowledged change, in version order. */
  async expectAuditComplete(shardId: string): Promise<void> {
    const keys = this.audited.get(shardId);
    if (!keys) throw new Error(`no entity on ${shardId} was made auditable: add "Given the registers … on ${shardId} keep an audit log" first`);
    await finalReads(
      this.ctx,
      this.nodes,
      'kv::audit',
      keys.map((key) => ({ key, shardKey: shardId })),
    );
    const ops = this.ctx.history.ops.filter((o) => o.shardKey === shardId && o.process !== SETUP);
    const { problems, detail } = auditProblems(ops, { keys, minimumAcknowledged: MINIMUM_ACKNOWLEDGED });
    await this.ctx.verdicts.now(`the audit log of ${keys.join(', ')} on ${shardId} has one entry per acknowledged change`, problems, detail);
  }

  private record(process: string, f: string, body: Record<string, unknown>, shardId: string) {
    return recordShardCall(this.ctx, this.nodes.liveNodes()[0]!, { process, f, body, shardId }).catch((e: Error) => ({ status: 0, body: e.message }));
  }
}
