import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CERT_HAS_EXPIRED, certificateExpired, peerRefusal } from './peer-identity';

test('a peer certificate is expired from its valid_to on, read as OpenSSL prints it', () => {
  const validTo = 'Nov 21 12:00:30 2026 GMT';
  const at = Date.parse('2026-11-21T12:00:30.000Z');
  assert.equal(certificateExpired({ valid_to: validTo }, at - 1), false);
  assert.equal(certificateExpired({ valid_to: validTo }, at), true);
  assert.equal(certificateExpired({ valid_to: validTo }, at + 60_000), true);
});

test('no certificate, or an unreadable date, is not called expired (the handshake judges those)', () => {
  assert.equal(certificateExpired(undefined), false);
  assert.equal(certificateExpired({ valid_to: '' }), false);
  assert.equal(certificateExpired({ valid_to: 'whenever' }), false);
});

for (const handshakeOnly of [false, true]) {
  test(`a certificate that ran out on an open connection: ${handshakeOnly ? 'expiry-checked-only-at-handshake keeps accepting it' : 'refused on the next message'}`, () => {
    const validTo = 'Nov 21 12:00:30 2026 GMT';
    const at = Date.parse('2026-11-21T12:00:30.000Z');
    // The handshake verified it (authorized), and it has run out since.
    const socket = { authorized: true, getPeerCertificate: () => ({ valid_to: validTo }) };
    const policy = { acceptExpired: false, handshakeOnly };
    assert.equal(peerRefusal(socket, policy, at - 1), undefined, 'still valid');
    assert.equal(peerRefusal(socket, policy, at + 1000), handshakeOnly ? undefined : CERT_HAS_EXPIRED);
  });
}

test('accept-expired-certificates: TLS lets everything through, only errors besides expiry are refused', () => {
  const policy = { acceptExpired: true, handshakeOnly: false };
  const failed = (code: string) => ({ authorized: false, authorizationError: Object.assign(new Error(code), { code }) });
  assert.equal(peerRefusal({ authorized: true }, policy), undefined);
  assert.equal(peerRefusal(failed(CERT_HAS_EXPIRED), policy), undefined);
  assert.equal(peerRefusal(failed('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), policy), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.equal(peerRefusal({ authorized: false }, policy), 'no certificate');
});
