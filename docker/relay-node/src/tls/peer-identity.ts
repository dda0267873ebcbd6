// The node id a peer certificate vouches for: its DNS subjectAltName (certificates from the
// suite's CA carry exactly one, the node id).
import type { PeerCertificate } from "node:tls";

export function certificateNodeId(certificate: PeerCertificate | undefined): string | undefined {
  const san = certificate?.subjectaltname;
  if (!san) return undefined;
  for (const entry of san.split(",")) {
    const trimmed = entry.trim();
    if (trimmed.startsWith("DNS:")) return trimmed.slice(4);
  }
  return undefined;
}
