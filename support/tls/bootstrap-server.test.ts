import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { CertificateAuthority } from './certificate-authority';
import { BOOTSTRAP_JOIN_PATH, BootstrapServer } from './bootstrap-server';

const publicKeyPem = (): string => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

async function join(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}${BOOTSTRAP_JOIN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

let ca: CertificateAuthority;
before(async () => {
  ca = await CertificateAuthority.create();
});

test('a cluster token enrolls any node and the enrollment is recorded', async () => {
  const server = await BootstrapServer.start(ca, { clusterToken: 'cluster-secret' });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const { status, json } = await join(server.url, { token: 'cluster-secret', nodeId: 'node-a', publicKeyPem: publicKeyPem() });
    assert.equal(status, 200);
    const cert = new X509Certificate(json.certificatePem as string);
    assert.equal(cert.subjectAltName, 'DNS:node-a');
    assert.ok(cert.checkIssued(new X509Certificate(json.caCertificatePem as string)));
    assert.equal(json.caCertificatePem, ca.certificatePem);
    assert.equal(Date.parse(json.expiresAt as string), Date.parse(cert.validTo));

    assert.equal(server.enrollments.length, 1);
    const [enrollment] = server.enrollments;
    assert.equal(enrollment?.nodeId, 'node-a');
    assert.equal(enrollment?.serial.toLowerCase(), cert.serialNumber.toLowerCase());
    assert.equal(enrollment?.notAfter.toISOString(), json.expiresAt);
  } finally {
    await server.stop();
  }
});

test('without any token option a random cluster token is generated', async () => {
  const server = await BootstrapServer.start(ca);
  try {
    assert.ok(server.clusterToken && server.clusterToken.length >= 16);
    const ok = await join(server.url, { token: server.clusterToken, nodeId: 'node-a', publicKeyPem: publicKeyPem() });
    assert.equal(ok.status, 200);
  } finally {
    await server.stop();
  }
});

test('per-node tokens only admit their own node', async () => {
  const server = await BootstrapServer.start(ca, {
    nodeTokens: new Map([
      ['node-a', 'token-a'],
      ['node-b', 'token-b'],
    ]),
  });
  try {
    assert.equal(server.clusterToken, undefined);
    assert.equal((await join(server.url, { token: 'token-a', nodeId: 'node-a', publicKeyPem: publicKeyPem() })).status, 200);
    const stolen = await join(server.url, { token: 'token-a', nodeId: 'node-b', publicKeyPem: publicKeyPem() });
    assert.equal(stolen.status, 401);
    assert.match(stolen.json.message as string, /rejected/);
    server.setNodeToken('node-c', 'token-c');
    assert.equal((await join(server.url, { token: 'token-c', nodeId: 'node-c', publicKeyPem: publicKeyPem() })).status, 200);
    assert.deepEqual(
      server.enrollments.map((e) => e.nodeId),
      ['node-a', 'node-c'],
    );
  } finally {
    await server.stop();
  }
});

test('bad tokens get 401 and malformed bodies get 400 with a message', async () => {
  const server = await BootstrapServer.start(ca, { clusterToken: 'cluster-secret' });
  try {
    const wrong = await join(server.url, { token: 'nope', nodeId: 'node-a', publicKeyPem: publicKeyPem() });
    assert.equal(wrong.status, 401);

    for (const body of ['{not json', '[]', { token: 'cluster-secret', nodeId: 'node-a' }, { token: 1, nodeId: 'node-a', publicKeyPem: 'x' }]) {
      const result = await join(server.url, body);
      assert.equal(result.status, 400, JSON.stringify(body));
      assert.equal(typeof result.json.message, 'string');
    }
    const badKey = await join(server.url, { token: 'cluster-secret', nodeId: 'node-a', publicKeyPem: 'garbage' });
    assert.equal(badKey.status, 400);
    const badId = await join(server.url, { token: 'cluster-secret', nodeId: 'node a', publicKeyPem: publicKeyPem() });
    assert.equal(badId.status, 400);
    assert.equal(server.enrollments.length, 0);

    const other = await fetch(`${server.url}/omnirelay/bootstrap/other`, { method: 'POST' });
    assert.equal(other.status, 404);
    await other.body?.cancel();
    const get = await fetch(`${server.url}${BOOTSTRAP_JOIN_PATH}`);
    assert.equal(get.status, 405);
    await get.body?.cancel();
  } finally {
    await server.stop();
  }
});

test('a CA made unavailable to a node answers its joins 503 and issues nothing, other nodes unaffected, until restored', async () => {
  const server = await BootstrapServer.start(ca, { clusterToken: 't' });
  try {
    server.setAvailability('node-a', false);
    const refused = await join(server.url, { token: 't', nodeId: 'node-a', publicKeyPem: publicKeyPem() });
    assert.equal(refused.status, 503);
    assert.match(String(refused.json.message), /unavailable to node "node-a"/);
    const wrongToken = await join(server.url, { token: 'nope', nodeId: 'node-a', publicKeyPem: publicKeyPem() });
    assert.equal(wrongToken.status, 401, 'the token is checked first');
    const other = await join(server.url, { token: 't', nodeId: 'node-b', publicKeyPem: publicKeyPem() });
    assert.equal(other.status, 200);
    assert.deepEqual(
      server.enrollments.map((e) => e.nodeId),
      ['node-b'],
    );
    server.setAvailability('node-a', true);
    const again = await join(server.url, { token: 't', nodeId: 'node-a', publicKeyPem: publicKeyPem() });
    assert.equal(again.status, 200);
  } finally {
    await server.stop();
  }
});

test('a validity override makes the next join of that node receive an expired certificate', async () => {
  const server = await BootstrapServer.start(ca, { clusterToken: 't' });
  try {
    const notAfter = new Date(Date.now() - 60_000);
    server.setValidity('node-a', { notBefore: new Date(Date.now() - 3_600_000), notAfter });
    const expired = await join(server.url, { token: 't', nodeId: 'node-a', publicKeyPem: publicKeyPem() });
    assert.equal(expired.status, 200);
    assert.ok(Date.parse(expired.json.expiresAt as string) < Date.now());
    server.setValidity('node-a', undefined);
    const fresh = await join(server.url, { token: 't', nodeId: 'node-a', publicKeyPem: publicKeyPem() });
    assert.ok(Date.parse(fresh.json.expiresAt as string) > Date.now());
  } finally {
    await server.stop();
  }
});
