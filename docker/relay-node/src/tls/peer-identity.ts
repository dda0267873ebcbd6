// What a peer certificate says: the node id it vouches for (its DNS subjectAltName; certificates from
// the suite's CA carry exactly one, the node id), and whether it has run out.
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { clock } from '../clock';

/** OpenSSL's code for it, as TLS verification reports it. */
export const CERT_HAS_EXPIRED = 'CERT_HAS_EXPIRED';

/**
 * True when the certificate's `valid_to` (OpenSSL text, e.g. `Nov 21 12:00:30 2026 GMT`) is at or before
 * `nowMs`. A keep-alive TLS connection outlives the handshake that verified the certificate, so a
 * certificate that runs out while the connection is open must be caught by checking again.
 */
export function certificateExpired(certificate: Pick<PeerCertificate, 'valid_to'> | undefined, nowMs = clock.now()): boolean {
  const validTo = certificate?.valid_to;
  if (!validTo) return false; // no certificate at all is the handshake's business
  const notAfter = Date.parse(validTo);
  return Number.isFinite(notAfter) && notAfter <= nowMs;
}

export function certificateNodeId(certificate: PeerCertificate | undefined): string | undefined {
  const san = certificate?.subjectaltname;
  if (!san) return undefined;
  for (const entry of san.split(',')) {
    const trimmed = entry.trim();
    if (trimmed.startsWith('DNS:')) return trimmed.slice(4);
  }
  return undefined;
}

/** How a gossip endpoint judges the peer on a TLS socket (both from seeded defects; both off normally). */
export interface RefusalPolicy {
  /** Seeded defect accept-expired-certificates: TLS lets everything through, only non-expiry errors are refused. */
  acceptExpired: boolean;
  /** Seeded defect expiry-checked-only-at-handshake: no re-check on a connection the handshake verified. */
  handshakeOnly: boolean;
}

/**
 * Why the peer on `socket` is refused, if it is. TLS verified its certificate at the handshake; on a
 * keep-alive connection that certificate may have run out since, so expiry is checked again on every
 * message. Under accept-expired-certificates TLS lets everything through: refuse what is wrong besides expiry.
 */
export function peerRefusal(socket: unknown, policy: RefusalPolicy, nowMs = clock.now()): string | undefined {
  if (!policy.acceptExpired) {
    if (policy.handshakeOnly) return undefined;
    const peer = (socket as Partial<TLSSocket>).getPeerCertificate?.();
    return certificateExpired(peer, nowMs) ? CERT_HAS_EXPIRED : undefined;
  }
  const tls = socket as { authorized?: boolean; authorizationError?: Error | string };
  if (tls.authorized) return undefined;
  const code = String((tls.authorizationError as { code?: string } | undefined)?.code ?? tls.authorizationError ?? 'no certificate');
  return code === CERT_HAS_EXPIRED ? undefined : code;
}
