// GET /control/peers (and /omnirelay/control/peers): this node's gossip view, statuses as strings.
// Every known member is listed except this node itself, which is named by localNodeId.
import type { ServerResponse } from 'node:http';
import type { MembershipTable } from '../gossip/membership';
import { GOSSIP_SCHEMA } from '../gossip/types';
import { writeJson } from './respond';
import { clock } from '../clock';

export function writePeers(res: ServerResponse, table: MembershipTable): void {
  writeJson(res, 200, {
    schemaVersion: GOSSIP_SCHEMA,
    generatedAt: clock.iso(),
    localNodeId: table.localNodeId,
    peers: table.peers(),
  });
}
