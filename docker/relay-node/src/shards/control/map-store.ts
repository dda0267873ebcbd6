// The shard map in etcd. One key holds the whole published map; each version's changed records
// (with what they replaced) go under history/<version zero-padded to 12>, written in the same
// transaction, for /control/shards/diff and watch replays. Publishing compares the map key's
// mod_revision with the one the leader read, so two leaders can never both publish on one read.
import type { EtcdClient, KeyValue } from '../../leadership/etcd-client';
import type { ShardMap, ShardRecord } from '../types';

export const mapKey = (namespace: string): string => `/omnirelay/shards/${namespace}/map`;
export const historyPrefix = (namespace: string): string => `/omnirelay/shards/${namespace}/history/`;
export const historyKey = (namespace: string, version: number): string => `${historyPrefix(namespace)}${pad(version)}`;

const pad = (version: number): string => String(version).padStart(12, '0');

export interface StoredMap {
  map: ShardMap;
  /** The map key's mod_revision: what the next publish must compare with. */
  modRevision: number;
}

export interface HistoryChange {
  current: ShardRecord;
  previous?: ShardRecord;
}

/** One history entry: what changed at `version`. */
export interface HistoryEntry {
  namespace: string;
  version: number;
  strategyId: string;
  publishedBy: string;
  publishedAt: string;
  changes: HistoryChange[];
}

export type PublishResult = { ok: true; modRevision: number } | { ok: false; current: StoredMap | undefined };

/** What the cache, the leader and the routes need from the store (fakes in tests implement it). */
export interface MapStoreLike {
  read(): Promise<StoredMap | undefined>;
  publish(next: ShardMap, expectedModRevision: number, previous?: ShardMap): Promise<PublishResult>;
  history(fromVersion: number, toVersion: number): Promise<HistoryEntry[]>;
}

type Etcd = Pick<EtcdClient, 'range' | 'txn' | 'watch'>;

/** How the cache follows the map between reads (see map-cache.ts). */
export interface MapWatchOptions {
  /** The map key's mod_revision already seen: only later versions are delivered. */
  afterModRevision: number;
  signal: AbortSignal;
  onMap(stored: StoredMap): void;
  onProgress(revision: number): void;
}

export class ShardMapStore implements MapStoreLike {
  constructor(
    private readonly etcd: Etcd,
    readonly namespace: string,
  ) {}

  async read(): Promise<StoredMap | undefined> {
    const { kvs } = await this.etcd.range(mapKey(this.namespace));
    return decodeMap(kvs[0]);
  }

  /** Follows the map key until the stream ends or `signal` aborts (see EtcdClient.watch). */
  watch(options: MapWatchOptions): Promise<void> {
    return this.etcd.watch(mapKey(this.namespace), {
      afterRevision: options.afterModRevision,
      signal: options.signal,
      onPut: (kv) => {
        const stored = decodeMap(kv);
        if (stored) options.onMap(stored);
      },
      onProgress: options.onProgress,
    });
  }

  /** One transaction: map + history entry if the map key is still at `expectedModRevision` (0: absent). */
  async publish(next: ShardMap, expectedModRevision: number, previous?: ShardMap): Promise<PublishResult> {
    const key = mapKey(this.namespace);
    const result = await this.etcd.txn({
      compare: [
        expectedModRevision === 0 ? { key, target: 'VERSION', result: 'EQUAL', value: 0 } : { key, target: 'MOD', result: 'EQUAL', value: expectedModRevision },
      ],
      success: [
        { put: { key, value: JSON.stringify(next) } },
        { put: { key: historyKey(this.namespace, next.version), value: JSON.stringify(historyEntry(next, previous)) } },
      ],
      failure: [{ range: { key } }],
    });
    if (result.succeeded) return { ok: true, modRevision: result.revision };
    const range = result.responses[0];
    return { ok: false, current: range?.kind === 'range' ? decodeMap(range.kvs[0]) : undefined };
  }

  /** Entries with fromVersion <= version <= toVersion, oldest first. */
  async history(fromVersion: number, toVersion: number): Promise<HistoryEntry[]> {
    const from = Math.max(1, Math.floor(fromVersion));
    const to = Math.floor(toVersion);
    if (!Number.isFinite(to) || to < from) return [];
    // The client ranges by prefix only: the common prefix of the padded bounds keeps the read narrow.
    const [a, b] = [pad(from), pad(to)];
    let common = 0;
    while (common < a.length && a[common] === b[common]) common++;
    const { kvs } = await this.etcd.range(`${historyPrefix(this.namespace)}${a.slice(0, common)}`, { prefix: true });
    return kvs
      .map((kv) => parse<HistoryEntry>(kv.value))
      .filter((e): e is HistoryEntry => !!e && typeof e.version === 'number' && e.version >= from && e.version <= to)
      .sort((x, y) => x.version - y.version);
  }
}

/** The records that changed at `next.version`, each with the record it replaced. */
export function historyEntry(next: ShardMap, previous: ShardMap | undefined): HistoryEntry {
  const before = new Map((previous?.records ?? []).map((r) => [r.shardId, r]));
  const changes = next.records
    .filter((r) => r.version === next.version)
    .map((current) => {
      const old = before.get(current.shardId);
      return old ? { current, previous: old } : { current };
    });
  return {
    namespace: next.namespace,
    version: next.version,
    strategyId: next.strategyId,
    publishedBy: next.publishedBy,
    publishedAt: next.publishedAt,
    changes,
  };
}

function decodeMap(kv: KeyValue | undefined): StoredMap | undefined {
  if (!kv) return undefined;
  const map = parse<ShardMap>(kv.value);
  if (!map || typeof map.version !== 'number' || !Array.isArray(map.records)) return undefined;
  return { map: { ...map, overrides: map.overrides ?? {} }, modRevision: kv.modRevision };
}

function parse<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
