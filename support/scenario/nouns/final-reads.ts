// Reads made after the clients stopped, to judge what survived (Jepsen's final read): each key read
// through a live node until it answers, recorded in the history as that key's final read.
import pLimit from 'p-limit';
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import { judge } from '../../checks/eventually';
import { finalReadProcess, type Op } from '../../checks/history';

/** Final reads in flight at once: fast over thousands of keys, gentle on a cluster that just healed. */
const FINAL_READ_CONCURRENCY = 8;
const FINAL_READS_LOGGED_ABOVE = 20;

/**
 * Reads `procedure` for each key through a live node until it answers, recorded as the final read; each
 * attempt goes through the next live node (one may be draining, and refuse calls).
 */
export async function finalReads(
  ctx: ScenarioContext,
  nodes: ClusterNodes,
  procedure: string,
  keys: readonly { key: string; shardKey?: string; body?: Record<string, unknown> }[],
): Promise<void> {
  if (keys.length > FINAL_READS_LOGGED_ABOVE) ctx.log(`final ${procedure} of ${keys.length} keys, ${FINAL_READ_CONCURRENCY} at a time`);
  // `body`: what the read sends (default `{key}`), e.g. `{id}` for a workflow.
  await pLimit(FINAL_READ_CONCURRENCY).map(keys, ({ key, shardKey, body = { key } }) => {
    let attempt = 0;
    return ctx.verdicts.waitFor(
      `a final ${procedure} of ${key} is answered`,
      async () => {
        const live = nodes.liveNodes();
        const node = live[attempt++ % live.length]!;
        const headers: Record<string, string> = shardKey ? { 'Rpc-Shard-Key': shardKey } : {};
        return ctx.history
          .record(
            { process: finalReadProcess(key), f: procedure, target: node.id, ...(shardKey ? { shardKey } : {}), value: body },
            () => node.call(procedure, body, headers, 10_000),
            (r) => (r.status === 200 ? { outcome: 'ok', result: r.body } : { outcome: 'fail', error: `HTTP ${r.status}` }),
          )
          .catch(() => ({ status: 0 }));
      },
      (r) => judge(r.status === 200 ? [] : [`HTTP ${r.status}`]),
      { timeoutMs: 20_000 },
    );
  });
}

/** Distinct keys (with the shard key they were sent with) of ops whose value has a `key`. */
export function keysOf(ops: readonly Op[]): { key: string; shardKey?: string }[] {
  const seen = new Map<string, string | undefined>();
  for (const o of ops) {
    const key = (o.value as { key?: unknown } | undefined)?.key;
    if (typeof key === 'string' && !seen.has(key)) seen.set(key, o.shardKey);
  }
  return [...seen].map(([key, shardKey]) => ({ key, ...(shardKey ? { shardKey } : {}) }));
}
