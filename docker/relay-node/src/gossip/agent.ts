// Gossip over mutual TLS (contract §5): an HTTPS listener for push-pull exchanges and a loop that
// every interval pushes this node's view to `fanout` random peers and merges their answers.
//
// Identity: the server requires a client certificate from the suite's CA and checks that its SAN
// names the envelope's sender; the client dials with servername = the peer's node id, so the
// default hostname check proves it reached that node (also through a proxy or on loopback).
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { RelayConfig } from '../config';
import type { Defects } from '../defects';
import { errorMessage, type Logger } from '../log';
import { routed } from '../rpc/peer-routes';
import type { RelayMetrics } from '../metrics';
import type { NodeIdentity } from '../tls/enroll';
import { certificateNodeId, peerRefusal } from '../tls/peer-identity';
import { parseEnvelope, parseShuffle } from './codec';
import type { MembershipTable, StatusChange } from './membership';
import { GOSSIP_SCHEMA, type GossipEnvelope, type MemberSnapshot, type ShuffleEnvelope } from './types';
import { readBody } from '../http/body';
import { clock } from '../clock';

export const MESSAGES_PATH = '/mesh/gossip/v1/messages';
export const SHUFFLE_PATH = '/mesh/gossip/v1/shuffle';
const MAX_BODY_BYTES = 1024 * 1024;

interface Target {
  nodeId: string;
  host: string;
  port: number;
}

export interface GossipAgentOptions {
  config: RelayConfig;
  table: MembershipTable;
  metrics: RelayMetrics;
  log: Logger;
  /** gossip-silent, gossip-timeout-is-round, accept-expired-certificates, expiry-checked-only-at-handshake act here. */
  defects: Defects;
}

export class GossipAgent {
  /**
   * How long an exchange may wait on its peer. Seeded defect gossip-timeout-is-round: one round
   * interval, so across a link slower than a round no exchange ever completes.
   */
  private get exchangeTimeoutMs(): number {
    const { config, defects } = this.options;
    return defects.has('gossip-timeout-is-round') ? config.gossipIntervalMs : config.gossipTimeoutMs;
  }

  /** Seeded defect gossip-silent: never send, answer every gossip request 503. */
  private get silent(): boolean {
    return this.options.defects.has('gossip-silent');
  }

  private server: https.Server | undefined;
  private agent: https.Agent | undefined;
  /** SHA-256 fingerprint of the certificate this node presents now (see `presentsStaleCertificate`). */
  private fingerprint: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sequence = 0;
  private stopped = false;
  /** Targets whose last exchange failed, so failures are logged once per outage, not per round. */
  private readonly failing = new Set<string>();
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: GossipAgentOptions) {}

  async start(identity: NodeIdentity): Promise<void> {
    this.setIdentity(identity);
    const server = https.createServer({
      key: identity.privateKeyPem,
      cert: identity.certificatePem,
      ca: [identity.caCertificatePem],
      requestCert: true,
      // With the seeded defect, verification moves to the request handler so that "only expired" passes.
      rejectUnauthorized: !this.options.defects.has('accept-expired-certificates'),
    });
    server.on('request', (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.options.log.warn('gossip request handling failed', { error: errorMessage(error) });
        if (!res.headersSent) writeJson(res, 500, { message: 'internal error' });
        else res.destroy();
      });
    });
    server.on('tlsClientError', (error) => this.options.log.debug('gossip TLS handshake rejected', { error: errorMessage(error) }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.config.gossipPort, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.options.log.info('gossip listening', {
      port: this.options.config.gossipPort,
      endpoint: this.options.table.localMetadata.endpoint,
      seeds: this.options.config.seedPeers.map((s) => `${s.nodeId}@${s.host}:${s.port}`),
      silent: this.silent,
    });
    if (!this.silent) this.schedule(0);
  }

  /**
   * Swaps in a renewed certificate, and closes every live gossip connection both ways: peers must see
   * the new certificate in a fresh handshake (an expired one is refused there), not keep a session
   * that was verified with the old one.
   */
  setIdentity(identity: NodeIdentity): void {
    const tlsOptions = { key: identity.privateKeyPem, cert: identity.certificatePem, ca: [identity.caCertificatePem] };
    this.fingerprint = new X509Certificate(identity.certificatePem).fingerprint256;
    this.server?.setSecureContext(tlsOptions);
    this.server?.closeAllConnections();
    const previous = this.agent;
    // No TLS session cache: a resumed session skips certificate verification, so a peer whose certificate
    // ran out since the first handshake would still be let in on every reconnect.
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 2,
      maxCachedSessions: 0,
      ...tlsOptions,
      rejectUnauthorized: !this.options.defects.has('accept-expired-certificates'),
    });
    previous?.destroy();
  }

  /**
   * True when this node's side of `socket` still presents a certificate it has since replaced: a
   * connection whose handshake was under way during the swap escapes closeAllConnections, and its peer
   * would keep trusting the old certificate for as long as the connection lives.
   */
  private presentsStaleCertificate(socket: unknown): boolean {
    const local = (socket as Partial<TLSSocket>).getCertificate?.();
    const presented = local && 'fingerprint256' in local ? local.fingerprint256 : undefined;
    return presented !== undefined && this.fingerprint !== undefined && presented !== this.fingerprint;
  }

  /** Why the peer on `socket` is refused, if it is (see peerRefusal: expiry is checked on every message). */
  private peerRefused(socket: unknown): string | undefined {
    return peerRefusal(socket, {
      acceptExpired: this.options.defects.has('accept-expired-certificates'),
      handshakeOnly: this.options.defects.has('expiry-checked-only-at-handshake'),
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.agent?.destroy();
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }

  /** Re-derives statuses now (the peers route calls it so that reads are current). */
  sweep(): void {
    this.logChanges(this.options.table.sweep(clock.now()));
  }

  /** Rounds start at a fixed rate; a peer that hangs only delays its own exchange, never the round. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round();
      this.schedule(this.options.config.gossipIntervalMs);
    }, delayMs);
  }

  private round(): void {
    this.sweep();
    const targets = this.pickTargets().filter((target) => !this.inFlight.has(target.nodeId));
    this.options.metrics.gossipFanout.set({}, targets.length);
    for (const target of targets) {
      this.inFlight.add(target.nodeId);
      void this.exchange(target).finally(() => this.inFlight.delete(target.nodeId));
    }
  }

  /**
   * `fanout` random picks among Alive/Suspect members and the seeds not currently reachable, plus
   * one Left member per round so that two sides of a healed partition find each other again.
   */
  private pickTargets(): Target[] {
    const { table, config } = this.options;
    const pool = new Map<string, Target>();
    for (const member of table.reachableMembers()) {
      const target = toTarget(member);
      if (target) pool.set(target.nodeId, target);
    }
    for (const seed of config.seedPeers) if (!pool.has(seed.nodeId)) pool.set(seed.nodeId, seed);
    const picked = shuffle([...pool.values()]).slice(0, config.gossipFanout);
    const left = shuffle(
      table
        .leftMembers()
        .map(toTarget)
        .filter((t): t is Target => t !== undefined && !pool.has(t.nodeId)),
    );
    if (left[0]) picked.push(left[0]);
    return picked;
  }

  private envelope(): GossipEnvelope {
    const now = clock.now();
    return {
      schema: GOSSIP_SCHEMA,
      timestamp: new Date(now).toISOString(),
      sequence: ++this.sequence,
      sender: this.options.table.localMetadata,
      members: this.options.table.envelopeMembers(now),
    };
  }

  private async exchange(target: Target): Promise<void> {
    const { metrics, table, log } = this.options;
    const key = `${target.nodeId}@${target.host}:${target.port}`;
    const started = clock.monotonic();
    try {
      const reply = await this.post(target, MESSAGES_PATH, this.envelope(), this.exchangeTimeoutMs);
      const rttMs = clock.monotonic() - started;
      const parsed = parseEnvelope(reply);
      if (!parsed.ok) throw new Error(`invalid reply: ${parsed.message}`);
      if (parsed.value.sender.nodeId !== target.nodeId) {
        throw new Error(`reply sender ${parsed.value.sender.nodeId} is not ${target.nodeId}`);
      }
      const now = clock.now();
      this.logChanges([...table.recordDirect(parsed.value.sender, now, rttMs), ...table.merge(parsed.value.members, now)]);
      metrics.gossipMessages.inc({ mesh_direction: 'outbound', mesh_outcome: 'success' });
      metrics.gossipRtt.set({ mesh_peer: target.nodeId }, Math.round(rttMs * 100) / 100);
      if (this.failing.delete(key)) log.info('gossip exchange recovered', { peer: key });
    } catch (error) {
      metrics.gossipMessages.inc({ mesh_direction: 'outbound', mesh_outcome: 'failure' });
      if (!this.failing.has(key)) {
        this.failing.add(key);
        log.warn('gossip exchange failed', { peer: key, error: errorMessage(error) });
      }
    }
  }

  private post(target: Target, path: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const payload = JSON.stringify(body);
    const via = routed(target);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: via.host,
          port: via.port,
          method: 'POST',
          path,
          servername: target.nodeId,
          agent: this.agent,
          timeout: timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const refused = this.peerRefused(res.socket);
          if (refused) {
            res.resume();
            res.socket.destroy(); // never reuse a connection to a refused peer
            reject(new Error(`peer certificate refused: ${refused}`));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) {
              reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
              return;
            }
            try {
              resolve(JSON.parse(text));
            } catch {
              reject(new Error('reply is not JSON'));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { metrics, table } = this.options;
    const refused = this.peerRefused(req.socket);
    if (refused) {
      req.resume();
      res.setHeader('connection', 'close');
      writeJson(res, 403, { message: `peer certificate refused: ${refused}` });
      return;
    }
    if (this.presentsStaleCertificate(req.socket)) {
      req.resume();
      res.setHeader('connection', 'close');
      writeJson(res, 421, { message: 'this node has replaced its certificate since the connection was opened: reconnect' });
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path !== MESSAGES_PATH && path !== SHUFFLE_PATH) {
      writeJson(res, 404, { message: `no gossip route ${path}` });
      return;
    }
    if (this.silent) {
      req.resume();
      metrics.gossipMessages.inc({ mesh_direction: 'inbound', mesh_outcome: 'rejected' });
      writeJson(res, 503, { message: 'gossip is disabled on this node (seeded defect gossip-silent)' });
      return;
    }
    if (req.method !== 'POST') {
      writeJson(res, 405, { message: `${path} accepts POST only` });
      return;
    }
    const raw = await readJson(req);
    if (!raw.ok) {
      metrics.gossipMessages.inc({ mesh_direction: 'inbound', mesh_outcome: 'failure' });
      writeJson(res, 400, { message: raw.message });
      return;
    }
    if (path === SHUFFLE_PATH) {
      const shuffleRequest = parseShuffle(raw.value);
      if (!shuffleRequest.ok) {
        writeJson(res, 400, { message: shuffleRequest.message });
        return;
      }
      const answer: ShuffleEnvelope = {
        sender: table.localMetadata.endpoint,
        endpoints: shuffle(
          table
            .reachableMembers()
            .map((m) => m.metadata.endpoint)
            .filter((e) => e !== ''),
        ).slice(0, 8),
      };
      writeJson(res, 200, answer);
      return;
    }
    const parsed = parseEnvelope(raw.value);
    if (!parsed.ok) {
      metrics.gossipMessages.inc({ mesh_direction: 'inbound', mesh_outcome: 'failure' });
      writeJson(res, 400, { message: parsed.message });
      return;
    }
    const certified = certificateNodeId((req.socket as TLSSocket).getPeerCertificate());
    if (certified !== parsed.value.sender.nodeId) {
      metrics.gossipMessages.inc({ mesh_direction: 'inbound', mesh_outcome: 'rejected' });
      this.options.log.warn('gossip sender does not match its certificate', { sender: parsed.value.sender.nodeId, certificate: certified });
      writeJson(res, 403, { message: `certificate names ${certified ?? 'nobody'}, envelope sender is ${parsed.value.sender.nodeId}` });
      return;
    }
    const now = clock.now();
    this.logChanges([...table.recordDirect(parsed.value.sender, now), ...table.merge(parsed.value.members, now)]);
    metrics.gossipMessages.inc({ mesh_direction: 'inbound', mesh_outcome: 'success' });
    writeJson(res, 200, this.envelope());
  }

  private logChanges(changes: readonly StatusChange[]): void {
    for (const change of changes) {
      const what = change.to === 'Alive' ? (change.from === undefined ? 'joined' : 'recovered') : change.to === 'Suspect' ? 'suspect' : 'left';
      this.options.log.info(`gossip member ${what}`, {
        peer: change.nodeId,
        from: change.from,
        to: change.to,
        role: change.metadata.role,
        region: change.metadata.region,
        endpoint: change.metadata.endpoint,
      });
    }
  }
}

function toTarget(member: MemberSnapshot): Target | undefined {
  const endpoint = member.metadata.endpoint;
  const colon = endpoint.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const port = Number(endpoint.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { nodeId: member.nodeId, host: endpoint.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  let body: Buffer;
  try {
    body = await readBody(req, MAX_BODY_BYTES, (max) => new Error(`body exceeds ${max} bytes`));
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false, message: 'body is not JSON' };
  }
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
