// The toxic types this server knows, by the names the API uses. `down` is deliberately absent: it is
// `enabled: false` on the proxy, and Toxiproxy answers 400 for it too.
import { bandwidth } from './bandwidth';
import { latency } from './latency';
import { limitData } from './limit-data';
import { noop } from './noop';
import { resetPeer } from './reset-peer';
import { slicer } from './slicer';
import { slowClose } from './slow-close';
import { timeout } from './timeout';
import type { ToxicDefinition } from './types';

const DEFINITIONS = new Map<string, ToxicDefinition>([
  ['latency', latency],
  ['bandwidth', bandwidth],
  ['slow_close', slowClose],
  ['timeout', timeout],
  ['reset_peer', resetPeer],
  ['slicer', slicer],
  ['limit_data', limitData],
  ['noop', noop],
]);

export function toxicDefinition(type: string): ToxicDefinition | undefined {
  return DEFINITIONS.get(type);
}

export const TOXIC_TYPES: readonly string[] = [...DEFINITIONS.keys()];
