// Validation of gossip bodies received from the network: a malformed member must not poison the
// table, and any schema other than "v1" is rejected (contract §5).
import {
  GOSSIP_SCHEMA,
  MAX_MEMBERS_PER_ENVELOPE,
  type GossipEnvelope,
  type MemberMetadata,
  type MemberSnapshot,
  type MemberStatus,
  type ShuffleEnvelope,
} from './types';
import { clock } from '../clock';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const STATUSES: readonly MemberStatus[] = ['Alive', 'Suspect', 'Left'];

export function parseEnvelope(raw: unknown): Parsed<GossipEnvelope> {
  if (!isRecord(raw)) return fail('envelope must be a JSON object');
  if (raw.schema !== GOSSIP_SCHEMA) return fail(`unsupported gossip schema ${JSON.stringify(raw.schema)}; expected "${GOSSIP_SCHEMA}"`);
  const sender = parseMetadata(raw.sender);
  if (!sender.ok) return fail(`sender: ${sender.message}`);
  if (!Array.isArray(raw.members)) return fail('members must be an array');
  if (raw.members.length > MAX_MEMBERS_PER_ENVELOPE) return fail(`at most ${MAX_MEMBERS_PER_ENVELOPE} members per envelope`);
  const members: MemberSnapshot[] = [];
  for (const [index, entry] of raw.members.entries()) {
    const member = parseMember(entry);
    if (!member.ok) return fail(`members[${index}]: ${member.message}`);
    members.push(member.value);
  }
  return {
    ok: true,
    value: {
      schema: GOSSIP_SCHEMA,
      timestamp: typeof raw.timestamp === 'string' ? raw.timestamp : clock.iso(),
      sequence: typeof raw.sequence === 'number' ? raw.sequence : 0,
      sender: sender.value,
      members,
    },
  };
}

export function parseShuffle(raw: unknown): Parsed<ShuffleEnvelope> {
  if (!isRecord(raw)) return fail('shuffle body must be a JSON object');
  if (typeof raw.sender !== 'string') return fail('sender must be a host:port string');
  if (!Array.isArray(raw.endpoints) || !raw.endpoints.every((e) => typeof e === 'string')) {
    return fail('endpoints must be an array of host:port strings');
  }
  return { ok: true, value: { sender: raw.sender, endpoints: raw.endpoints as string[] } };
}

function parseMember(raw: unknown): Parsed<MemberSnapshot> {
  if (!isRecord(raw)) return fail('member must be an object');
  if (typeof raw.nodeId !== 'string' || raw.nodeId === '') return fail('nodeId must be a non-empty string');
  const status = raw.status ?? 'Alive';
  if (typeof status !== 'string' || !STATUSES.includes(status as MemberStatus)) return fail(`invalid status ${JSON.stringify(status)}`);
  if (raw.lastSeen !== undefined && raw.lastSeen !== null && (typeof raw.lastSeen !== 'string' || Number.isNaN(Date.parse(raw.lastSeen)))) {
    return fail('lastSeen must be an ISO-8601 timestamp');
  }
  if (raw.rttMs !== undefined && raw.rttMs !== null && typeof raw.rttMs !== 'number') return fail('rttMs must be a number');
  const metadata = parseMetadata(raw.metadata, raw.nodeId);
  if (!metadata.ok) return fail(`metadata: ${metadata.message}`);
  if (metadata.value.nodeId !== raw.nodeId) return fail('metadata.nodeId differs from nodeId');
  return {
    ok: true,
    value: {
      nodeId: raw.nodeId,
      status: status as MemberStatus,
      ...(typeof raw.lastSeen === 'string' ? { lastSeen: raw.lastSeen } : {}),
      ...(typeof raw.rttMs === 'number' ? { rttMs: raw.rttMs } : {}),
      metadata: metadata.value,
    },
  };
}

/** OmniRelay's metadata carries nodeId; a member entry may omit it inside metadata. */
function parseMetadata(raw: unknown, fallbackNodeId?: string): Parsed<MemberMetadata> {
  if (!isRecord(raw)) return fail('must be an object');
  const nodeId = typeof raw.nodeId === 'string' && raw.nodeId !== '' ? raw.nodeId : fallbackNodeId;
  if (!nodeId) return fail('nodeId must be a non-empty string');
  const labels: Record<string, string> = {};
  if (isRecord(raw.labels)) {
    for (const [key, value] of Object.entries(raw.labels)) if (typeof value === 'string') labels[key] = value;
  }
  return {
    ok: true,
    value: {
      nodeId,
      role: str(raw.role),
      clusterId: str(raw.clusterId),
      region: str(raw.region),
      meshVersion: str(raw.meshVersion),
      http3Support: raw.http3Support === true,
      endpoint: str(raw.endpoint),
      metadataVersion: typeof raw.metadataVersion === 'number' && Number.isFinite(raw.metadataVersion) ? raw.metadataVersion : 1,
      labels,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}
