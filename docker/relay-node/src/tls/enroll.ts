// Enrollment with the suite's CA. The key pair is generated here, in memory, and never written
// anywhere: only the public key leaves the process (POST <bootstrap>/omnirelay/bootstrap/join).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, type Logger } from '../log';
import { clock } from '../clock';

export const JOIN_PATH = '/omnirelay/bootstrap/join';

export interface NodeIdentity {
  nodeId: string;
  /** PKCS#8 PEM, in memory only. */
  privateKeyPem: string;
  certificatePem: string;
  caCertificatePem: string;
  expiresAt: Date;
}

export interface EnrollmentOptions {
  bootstrapUrl: string;
  token: string;
  nodeId: string;
  /** Per attempt. Default 5000 ms. */
  timeoutMs?: number;
}

export class Enroller {
  private readonly privateKey: KeyObject;
  private readonly publicKeyPem: string;

  constructor(
    private readonly options: EnrollmentOptions,
    private readonly log: Logger,
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.privateKey = pair.privateKey;
    this.publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Joins, retrying with backoff (250 ms doubling to 2 s) until it succeeds or `signal` aborts. */
  async enroll(signal: AbortSignal): Promise<NodeIdentity> {
    let backoffMs = 250;
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      try {
        const identity = await this.joinOnce(signal);
        this.log.info('enrolled with the bootstrap CA', { attempt, expiresAt: identity.expiresAt.toISOString() });
        return identity;
      } catch (error) {
        signal.throwIfAborted();
        // A rejected token is logged loudly but still retried: the suite may register it late.
        const level = error instanceof JoinRejectedError ? 'error' : attempt === 1 || attempt % 20 === 0 ? 'warn' : 'debug';
        this.log[level]('enrollment attempt failed; retrying', { attempt, retryInMs: backoffMs, error: errorMessage(error) });
      }
      await sleep(backoffMs, undefined, { signal });
      backoffMs = Math.min(2000, backoffMs * 2);
    }
  }

  private async joinOnce(signal: AbortSignal): Promise<NodeIdentity> {
    const response = await fetch(`${this.options.bootstrapUrl}${JOIN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: this.options.token, nodeId: this.options.nodeId, publicKeyPem: this.publicKeyPem }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs ?? 5000)]),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // fall through: reported below with the status
    }
    if (response.status === 401 || response.status === 400) {
      throw new JoinRejectedError(`bootstrap join answered ${response.status}: ${String(json.message ?? text)}`);
    }
    if (response.status !== 200) throw new Error(`bootstrap join answered ${response.status}: ${text.slice(0, 200)}`);
    const { certificatePem, caCertificatePem, expiresAt } = json;
    if (typeof certificatePem !== 'string' || typeof caCertificatePem !== 'string' || typeof expiresAt !== 'string') {
      throw new Error('bootstrap join answered 200 without certificatePem, caCertificatePem and expiresAt');
    }
    return {
      nodeId: this.options.nodeId,
      privateKeyPem: this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      certificatePem,
      caCertificatePem,
      expiresAt: new Date(expiresAt),
    };
  }
}

class JoinRejectedError extends Error {
  override readonly name = 'JoinRejectedError';
}

/**
 * When to enroll again: two thirds into the remaining validity, and every 5 s while the current
 * certificate is already expired (a certificate-expiry fault heals as soon as the CA issues a
 * valid one again).
 */
export function renewalDelayMs(expiresAt: Date, nowMs = clock.now()): number {
  const remaining = expiresAt.getTime() - nowMs;
  if (remaining <= 0) return 5000;
  return Math.min(2 ** 31 - 1, Math.max(1000, Math.floor((remaining * 2) / 3)));
}
