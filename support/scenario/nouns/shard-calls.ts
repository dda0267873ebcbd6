// One client call on a shard, sent through a given node with Rpc-Shard-Key and recorded in the history
// as an op of `process` (ok, fail or info by its answer): how the nouns that drive entities directly
// (not through the load driver) make their calls judgeable.
import type { ScenarioContext } from '../context';
import type { RelayNode } from '../../cluster/relay-node';
import { completionOfAnswer } from '../../fabric/outcome';

export function recordShardCall(
  ctx: ScenarioContext,
  node: RelayNode,
  call: { process: string; f: string; body: Record<string, unknown>; shardId: string; timeoutMs?: number },
) {
  const { process, f, body, shardId, timeoutMs = 10_000 } = call;
  return ctx.history.record(
    { process, f, target: node.id, shardKey: shardId, value: body },
    () => node.call(f, body, { 'Rpc-Shard-Key': shardId }, timeoutMs),
    completionOfAnswer,
  );
}
