import { test } from "node:test";
import assert from "node:assert/strict";
import { certificateExpired } from "./peer-identity";

test("a peer certificate is expired from its valid_to on, read as OpenSSL prints it", () => {
  const validTo = "Nov 21 12:00:30 2026 GMT";
  const at = Date.parse("2026-11-21T12:00:30.000Z");
  assert.equal(certificateExpired({ valid_to: validTo }, at - 1), false);
  assert.equal(certificateExpired({ valid_to: validTo }, at), true);
  assert.equal(certificateExpired({ valid_to: validTo }, at + 60_000), true);
});

test("no certificate, or an unreadable date, is not called expired (the handshake judges those)", () => {
  assert.equal(certificateExpired(undefined), false);
  assert.equal(certificateExpired({ valid_to: "" }), false);
  assert.equal(certificateExpired({ valid_to: "whenever" }), false);
});
