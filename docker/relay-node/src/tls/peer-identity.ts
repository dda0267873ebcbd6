// What a peer certificate says: the node id it vouches for (its DNS subjectAltName; certificates from
// the suite's CA carry exactly one, the node id), and whether it has run out.
import type { PeerCertificate } from "node:tls";

/** OpenSSL's code for it, as TLS verification reports it. */
export const CERT_HAS_EXPIRED = "CERT_HAS_EXPIRED";

/**
 * True when the certificate's `valid_to` (OpenSSL text, e.g. `Nov 21 12:00:30 2026 GMT`) is at or before
 * `nowMs`. A keep-alive TLS connection outlives the handshake that verified the certificate, so a
 * certificate that runs out while the connection is open must be caught by checking again.
 */
export function certificateExpired(certificate: Pick<PeerCertificate, "valid_to"> | undefined, nowMs = Date.now()): boolean {
  const validTo = certificate?.valid_to;
  if (!validTo) return false; // no certificate at all is the handshake's business
  const notAfter = Date.parse(validTo);
  return Number.isFinite(notAfter) && notAfter <= nowMs;
}

export function certificateNodeId(certificate: PeerCertificate | undefined): string | undefined {
  const san = certificate?.subjectaltname;
  if (!san) return undefined;
  for (const entry of san.split(",")) {
    const trimmed = entry.trim();
    if (trimmed.startsWith("DNS:")) return trimmed.slice(4);
  }
  return undefined;
}
