// Certificates for relay-node's own tests of mTLS gossip: one throwaway root and a leaf per node id, as
// the suite's CA would enroll them (SAN DNS:<nodeId>, serverAuth + clientAuth), built here so that
// relay-node's tests import nothing from the suite. Test-only: keys in memory, a one-hour validity.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as never);

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface TestIdentity {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  readonly caCertificatePem: string;
  readonly notAfter: Date;
}

/** A fresh root and one identity per node id, valid from a minute ago for an hour. */
export async function testIdentities(nodeIds: readonly string[]): Promise<Map<string, TestIdentity>> {
  const rootKeys = (await webcrypto.subtle.generateKey(EC_P256, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + 3_600_000);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: 'CN=relay-node test root',
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: SIGNING,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const identities = new Map<string, TestIdentity>();
  for (const nodeId of nodeIds) {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const leafKey = await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), EC_P256, true, ['verify']);
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: randomBytes(8).toString('hex'),
      subject: `CN=${nodeId}`,
      issuer: root.subject,
      notBefore,
      notAfter,
      publicKey: leafKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: nodeId }]),
      ],
    });
    identities.set(nodeId, {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      certificatePem: leaf.toString('pem'),
      caCertificatePem: root.toString('pem'),
      notAfter,
    });
  }
  return identities;
}
