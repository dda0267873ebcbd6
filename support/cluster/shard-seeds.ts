// Fixed shard ids per namespace, from seeds/shards/<namespace>.json: every node of every run is started
// with the same ids, so "shard-42" in a feature means the same shard everywhere.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const SHARD_SEEDS_DIR = join(import.meta.dirname, '..', '..', 'seeds', 'shards');

const seedSchema = z.strictObject({
  namespace: z.string(),
  description: z.string().optional(),
  shardIds: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)).min(1),
});

const cache = new Map<string, readonly string[]>();

export function shardIdsOf(namespace: string, dir = SHARD_SEEDS_DIR): readonly string[] {
  const cached = cache.get(`${dir}|${namespace}`);
  if (cached) return cached;
  const file = join(dir, `${namespace}.json`);
  if (!existsSync(file)) throw new Error(`no shard ids for namespace "${namespace}": expected ${file} ({"namespace", "shardIds": [...]})`);
  const parsed = seedSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  if (parsed.data.namespace !== namespace) throw new Error(`${file}: namespace is "${parsed.data.namespace}", expected "${namespace}"`);
  if (new Set(parsed.data.shardIds).size !== parsed.data.shardIds.length) throw new Error(`${file}: shard ids must be unique`);
  cache.set(`${dir}|${namespace}`, parsed.data.shardIds);
  return parsed.data.shardIds;
}
