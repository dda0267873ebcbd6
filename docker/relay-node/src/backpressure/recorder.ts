// The global leader's record of pressure episodes (pure: observations carry their time). An episode
// is one member's pressure from a given `since` (the label's episode start): it opens the first time
// the leader sees the member under pressure, is extended (highest level, union of shards,
// lastSeenAt) while it stays, and is closed (clearedAt) when the member shows no pressure, starts a
// new episode, or is Left / no longer known.
import type { MemberStatus } from '../gossip/types';
import { maxLevel, type PressureLevel } from './tracker';

export interface MemberPressure {
  nodeId: string;
  region: string;
  status: MemberStatus;
  level: PressureLevel;
  shards: string[];
  since?: string;
}

export interface PressureEpisode {
  nodeId: string;
  region: string;
  /** Highest level seen during the episode. */
  level: PressureLevel;
  /** Every shard seen under pressure during the episode. */
  shards: string[];
  /** The member's own start of the episode (its label's `since`). */
  since?: string;
  firstSeenAt: string;
  lastSeenAt: string;
  clearedAt?: string;
}

export const MAX_EPISODES = 500;

export class PressureRecorder {
  private readonly episodes: PressureEpisode[] = [];
  private readonly open = new Map<string, PressureEpisode>();

  observe(members: readonly MemberPressure[], nowMs: number): void {
    const now = new Date(nowMs).toISOString();
    const seen = new Set<string>();
    for (const member of members) {
      if (member.level === 'ok' || member.status === 'Left') continue;
      seen.add(member.nodeId);
      const current = this.open.get(member.nodeId);
      if (current && current.since === member.since) {
        current.level = maxLevel(current.level, member.level);
        current.shards = [...new Set([...current.shards, ...member.shards])].sort();
        current.lastSeenAt = now;
        continue;
      }
      if (current) current.clearedAt = now;
      const episode: PressureEpisode = {
        nodeId: member.nodeId,
        region: member.region,
        level: member.level,
        shards: [...member.shards].sort(),
        ...(member.since !== undefined ? { since: member.since } : {}),
        firstSeenAt: now,
        lastSeenAt: now,
      };
      this.open.set(member.nodeId, episode);
      this.episodes.push(episode);
    }
    for (const [nodeId, episode] of this.open) {
      if (seen.has(nodeId)) continue;
      episode.clearedAt = now;
      this.open.delete(nodeId);
    }
    // Bounded: drop the oldest closed episodes first.
    while (this.episodes.length > MAX_EPISODES) {
      const index = this.episodes.findIndex((e) => e.clearedAt !== undefined);
      this.episodes.splice(index >= 0 ? index : 0, 1);
    }
  }

  recorded(): PressureEpisode[] {
    return this.episodes.map((e) => ({ ...e, shards: [...e.shards] }));
  }
}
