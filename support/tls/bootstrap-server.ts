// The enrollment endpoint nodes call at start: POST /omnirelay/bootstrap/join with
// {token, nodeId, publicKeyPem} → 200 {certificatePem, caCertificatePem, expiresAt}.
// It runs in the test process so that no private key ever exists outside a node's memory.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type CertificateAuthority, type IssueOptions, InvalidEnrollmentError } from './certificate-authority';

export const BOOTSTRAP_JOIN_PATH = '/omnirelay/bootstrap/join';
const MAX_BODY_BYTES = 64 * 1024;

export interface BootstrapServerOptions {
  /** Bind address. Default `127.0.0.1`; use `0.0.0.0` when containers must reach it. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /**
   * Token any node may join with. When neither `clusterToken` nor `nodeTokens` is given, a random
   * cluster token is generated (read it back from `clusterToken`).
   */
  clusterToken?: string;
  /** Per-node tokens: a join for `nodeId` is accepted with exactly `nodeTokens.get(nodeId)`. */
  nodeTokens?: ReadonlyMap<string, string>;
  /** Answers every other path (the chaos environment's control service serves its API beside the join). */
  otherRoutes?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export interface Enrollment {
  nodeId: string;
  at: Date;
  notAfter: Date;
  /** Hexadecimal certificate serial number. */
  serial: string;
}

export interface JoinRequest {
  token: string;
  nodeId: string;
  publicKeyPem: string;
}

export interface JoinResponse {
  certificatePem: string;
  caCertificatePem: string;
  /** ISO-8601 notAfter of the issued certificate. */
  expiresAt: string;
}

export class BootstrapServer {
  private readonly log: Enrollment[] = [];
  private readonly nodeTokens: Map<string, string>;
  private readonly validityOverrides = new Map<string, IssueOptions>();
  /** Nodes whose joins are answered 503, as if the CA were out of their reach. */
  private readonly unavailableTo = new Set<string>();

  private constructor(
    private readonly ca: CertificateAuthority,
    private readonly server: Server,
    readonly clusterToken: string | undefined,
    nodeTokens: ReadonlyMap<string, string> | undefined,
    private readonly otherRoutes?: BootstrapServerOptions['otherRoutes'],
  ) {
    this.nodeTokens = new Map(nodeTokens ?? []);
  }

  static async start(ca: CertificateAuthority, options: BootstrapServerOptions = {}): Promise<BootstrapServer> {
    const clusterToken = options.clusterToken ?? (options.nodeTokens === undefined ? randomBytes(18).toString('base64url') : undefined);
    const server = createServer();
    const bootstrap = new BootstrapServer(ca, server, clusterToken, options.nodeTokens, options.otherRoutes);
    server.on('request', (req, res) => {
      bootstrap.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) writeJson(res, 500, { message: `enrollment failed: ${(error as Error).message}` });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return bootstrap;
  }

  /** Base URL to hand to nodes as RELAY_BOOTSTRAP_URL (a wildcard bind is reported as loopback). */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Every successful join, oldest first. */
  get enrollments(): readonly Enrollment[] {
    return [...this.log];
  }

  /** Adds or replaces a per-node token (e.g. for a node added by a membership surge). */
  setNodeToken(nodeId: string, token: string): void {
    this.nodeTokens.set(nodeId, token);
  }

  /**
   * Makes the next joins of `nodeId` receive certificates with this validity (dates in the past
   * give an already expired certificate); `undefined` restores the default.
   */
  setValidity(nodeId: string, validity: IssueOptions | undefined): void {
    if (validity) this.validityOverrides.set(nodeId, validity);
    else this.validityOverrides.delete(nodeId);
  }

  /**
   * While `unavailable`, joins of `nodeId` are answered 503 (after the token check) and issue nothing:
   * the node cannot renew, as when its CA is out of reach.
   */
  setAvailability(nodeId: string, available: boolean): void {
    if (available) this.unavailableTo.delete(nodeId);
    else this.unavailableTo.add(nodeId);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== BOOTSTRAP_JOIN_PATH && this.otherRoutes) {
      await this.otherRoutes(req, res);
      return;
    }
    if (path !== BOOTSTRAP_JOIN_PATH) {
      writeJson(res, 404, { message: `no route ${req.method} ${path}` });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      writeJson(res, 405, { message: `${BOOTSTRAP_JOIN_PATH} accepts POST only` });
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      writeJson(res, 400, { message: `request body exceeds ${MAX_BODY_BYTES} bytes` });
      return;
    }
    const parsed = parseJoinRequest(body);
    if (typeof parsed === 'string') {
      writeJson(res, 400, { message: parsed });
      return;
    }
    if (!this.accepts(parsed.nodeId, parsed.token)) {
      writeJson(res, 401, { message: `bootstrap token rejected for node ${JSON.stringify(parsed.nodeId)}` });
      return;
    }
    if (this.unavailableTo.has(parsed.nodeId)) {
      res.setHeader('Retry-After', '5');
      writeJson(res, 503, { message: `the certificate authority is unavailable to node ${JSON.stringify(parsed.nodeId)} (a suite fault)` });
      return;
    }
    let issued;
    try {
      issued = await this.ca.issue(parsed.nodeId, parsed.publicKeyPem, this.validityOverrides.get(parsed.nodeId));
    } catch (error) {
      if (error instanceof InvalidEnrollmentError) {
        writeJson(res, 400, { message: error.message });
        return;
      }
      throw error;
    }
    this.log.push({ nodeId: parsed.nodeId, at: new Date(), notAfter: issued.notAfter, serial: issued.serialNumber });
    const response: JoinResponse = {
      certificatePem: issued.certificatePem,
      caCertificatePem: issued.caCertificatePem,
      expiresAt: issued.notAfter.toISOString(),
    };
    writeJson(res, 200, response);
  }

  private accepts(nodeId: string, token: string): boolean {
    if (this.clusterToken !== undefined && sameSecret(token, this.clusterToken)) return true;
    const nodeToken = this.nodeTokens.get(nodeId);
    return nodeToken !== undefined && sameSecret(token, nodeToken);
  }
}

/** Returns the request or a message saying what is wrong with it. */
function parseJoinRequest(body: string): JoinRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'body must be JSON {token, nodeId, publicKeyPem}';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'body must be a JSON object {token, nodeId, publicKeyPem}';
  }
  const record = value as Record<string, unknown>;
  const missing = ['token', 'nodeId', 'publicKeyPem'].filter((field) => typeof record[field] !== 'string' || record[field] === '');
  if (missing.length > 0) return `missing or non-string field(s): ${missing.join(', ')}`;
  return { token: record.token as string, nodeId: record.nodeId as string, publicKeyPem: record.publicKeyPem as string };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
