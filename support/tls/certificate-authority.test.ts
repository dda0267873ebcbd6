import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { CertificateAuthority, InvalidEnrollmentError, type IssuedIdentity } from './certificate-authority';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

test('the root is a self-signed CA certificate', async () => {
  const ca = await CertificateAuthority.create({ commonName: 'Unit Root' });
  const root = new X509Certificate(ca.certificatePem);
  assert.equal(root.ca, true);
  assert.equal(root.subject, 'CN=Unit Root');
  assert.equal(root.issuer, root.subject);
  assert.ok(root.verify(root.publicKey), 'self-signature verifies');
  assert.ok(Date.parse(root.validFrom) < Date.now() && Date.parse(root.validTo) > Date.now());
});

test('a node certificate names the node, allows server and client auth, and chains to the root', async () => {
  const ca = await CertificateAuthority.create();
  const before = Date.now();
  const issued = await ca.issueIdentity('node-a');
  const cert = new X509Certificate(issued.certificatePem);
  const root = new X509Certificate(issued.caCertificatePem);

  assert.equal(cert.subjectAltName, 'DNS:node-a');
  assert.equal(cert.subject, 'CN=node-a');
  assert.equal(cert.ca, false);
  assert.ok(cert.checkIssued(root));
  assert.ok(cert.verify(root.publicKey));
  assert.deepEqual([...(cert.keyUsage ?? [])].sort(), [SERVER_AUTH, CLIENT_AUTH].sort());
  assert.equal(cert.serialNumber.toLowerCase(), issued.serialNumber.toLowerCase());
  assert.equal(cert.checkHost('node-a'), 'node-a');
  assert.equal(cert.checkHost('node-b'), undefined);

  // Default validity: one hour from one minute ago (certificate times have 1 s precision).
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  assert.ok(Math.abs(notBefore - (before - 60_000)) < 5_000, `notBefore ${cert.validFrom}`);
  assert.equal(notAfter - notBefore, 3_600_000);
  assert.equal(issued.notAfter.getTime(), notAfter);
});

test('explicit validity is honoured, including an already expired window', async () => {
  const ca = await CertificateAuthority.create();
  const notBefore = new Date(Date.now() - 2 * 3_600_000);
  const notAfter = new Date(Date.now() - 3_600_000);
  const issued = await ca.issueIdentity('node-old', { notBefore, notAfter });
  const cert = new X509Certificate(issued.certificatePem);
  assert.equal(Date.parse(cert.validFrom), Math.floor(notBefore.getTime() / 1000) * 1000);
  assert.equal(Date.parse(cert.validTo), Math.floor(notAfter.getTime() / 1000) * 1000);
});

test('issue rejects unsafe node ids, non-P-256 keys and garbage', async () => {
  const ca = await CertificateAuthority.create();
  const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await assert.rejects(ca.issue('bad,id', p256), InvalidEnrollmentError);
  await assert.rejects(ca.issue('', p256), InvalidEnrollmentError);
  await assert.rejects(ca.issue('node-a', rsa), InvalidEnrollmentError);
  await assert.rejects(ca.issue('node-a', 'not a pem'), InvalidEnrollmentError);
  await assert.rejects(ca.issue('node-a', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), InvalidEnrollmentError);
});

/** Runs one mutual-TLS handshake over loopback and reports what each side saw. */
async function handshake(
  server: IssuedIdentity,
  client: IssuedIdentity,
  options: { servername: string; serverCa?: string; clientCa?: string },
): Promise<{ ok: true; clientSan: string | undefined } | { ok: false; error: string }> {
  let clientSan: string | undefined;
  const listener = tls.createServer(
    {
      key: server.privateKeyPem,
      cert: server.certificatePem,
      ca: [options.serverCa ?? server.caCertificatePem],
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      clientSan = socket.getPeerCertificate().subjectaltname;
      socket.end('hello');
    },
  );
  listener.on('tlsClientError', () => undefined);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as AddressInfo).port;
  try {
    return await new Promise((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        servername: options.servername,
        key: client.privateKeyPem,
        cert: client.certificatePem,
        ca: [options.clientCa ?? client.caCertificatePem],
      });
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('end', () => resolve(data === 'hello' ? { ok: true, clientSan } : { ok: false, error: 'closed without data' }));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, error: error.code ?? error.message }));
    });
  } finally {
    listener.close();
  }
}

test('two certificates from the same CA complete a mutual TLS handshake', async () => {
  const ca = await CertificateAuthority.create();
  const a = await ca.issueIdentity('node-a');
  const b = await ca.issueIdentity('node-b');
  const result = await handshake(a, b, { servername: 'node-a' });
  assert.deepEqual(result, { ok: true, clientSan: 'DNS:node-b' });
});

test('the handshake fails for a client certificate from another CA', async () => {
  const ca = await CertificateAuthority.create();
  const other = await CertificateAuthority.create({ commonName: 'Intruder Root' });
  const a = await ca.issueIdentity('node-a');
  const intruder = await other.issueIdentity('node-b');
  // The intruder trusts our CA (so it would accept the server) but presents a foreign certificate.
  const result = await handshake(a, intruder, { servername: 'node-a', clientCa: ca.certificatePem });
  assert.equal(result.ok, false);
});

test('the handshake fails for a server certificate from another CA', async () => {
  const ca = await CertificateAuthority.create();
  const other = await CertificateAuthority.create({ commonName: 'Intruder Root' });
  const impostor = await other.issueIdentity('node-a');
  const b = await ca.issueIdentity('node-b');
  const result = await handshake(impostor, b, { servername: 'node-a', serverCa: ca.certificatePem });
  assert.deepEqual(result, { ok: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
});

test("the handshake fails when the servername is not the peer's node id", async () => {
  const ca = await CertificateAuthority.create();
  const a = await ca.issueIdentity('node-a');
  const b = await ca.issueIdentity('node-b');
  const result = await handshake(a, b, { servername: 'node-c' });
  assert.deepEqual(result, { ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
});

test('the handshake fails for an expired server certificate', async () => {
  const ca = await CertificateAuthority.create();
  const expired = await ca.issueIdentity('node-a', {
    notBefore: new Date(Date.now() - 7_200_000),
    notAfter: new Date(Date.now() - 3_600_000),
  });
  const b = await ca.issueIdentity('node-b');
  const result = await handshake(expired, b, { servername: 'node-a' });
  assert.deepEqual(result, { ok: false, error: 'CERT_HAS_EXPIRED' });
});
