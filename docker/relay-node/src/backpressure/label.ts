// The gossip label carrying a node's pressure: `mesh.pressure` = compact JSON
//   {"level":"saturated","node":"ok","shards":["shard-42"],"since":"<ISO-8601>","retryAfterMs":2000}
// present only while the node is under pressure (absent = ok). Decoding is lenient about extra
// fields and strict about the ones it uses: anything malformed reads as "no pressure".
import { isPressureLevel, type PressureLevel } from './tracker';

export const PRESSURE_LABEL = 'mesh.pressure';

export interface PressureLabel {
  /** The node's highest level (node budget and every shard). */
  level: PressureLevel;
  /** The node budget's level. */
  node: PressureLevel;
  /** Shards under pressure on this node (level not ok). */
  shards: string[];
  /** ISO-8601: when this episode began on the node. */
  since: string;
  /** How long a client should stay away (the pressure's calm period). */
  retryAfterMs: number;
}

export function encodePressureLabel(label: PressureLabel): string {
  // Fixed key order: an unchanged pressure encodes to the same string (no needless metadata bump).
  return JSON.stringify({ level: label.level, node: label.node, shards: [...label.shards], since: label.since, retryAfterMs: label.retryAfterMs });
}

export function decodePressureLabel(raw: string | undefined): PressureLabel | undefined {
  if (raw === undefined || raw === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (!isPressureLevel(v.level)) return undefined;
  const node = isPressureLevel(v.node) ? v.node : 'ok';
  const shards = Array.isArray(v.shards) ? v.shards.filter((s): s is string => typeof s === 'string') : [];
  const since = typeof v.since === 'string' && Number.isFinite(Date.parse(v.since)) ? v.since : '';
  const retryAfterMs = typeof v.retryAfterMs === 'number' && Number.isFinite(v.retryAfterMs) && v.retryAfterMs > 0 ? v.retryAfterMs : 1000;
  return { level: v.level, node, shards, since, retryAfterMs };
}

/** Cached decoding for the hot path (one member's label string rarely changes). */
export class PressureLabelCache {
  private readonly cache = new Map<string, { raw: string | undefined; label: PressureLabel | undefined }>();

  get(nodeId: string, raw: string | undefined): PressureLabel | undefined {
    const hit = this.cache.get(nodeId);
    if (hit && hit.raw === raw) return hit.label;
    const label = decodePressureLabel(raw);
    this.cache.set(nodeId, { raw, label });
    return label;
  }
}
