import { test } from 'node:test';
import assert from 'node:assert/strict';
import { xxhash64 } from './xxhash64';

// Expected values come from the reference C library (libxxhash 0.8.1, XXH64 via Python ctypes),
// not from this implementation; the first four are also the widely published vectors.
const hex = (n: bigint) => `0x${n.toString(16).padStart(16, '0')}`;
/** Bytes (i*7+3) mod 256, i < n: straddles every branch boundary without being all zeros. */
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

test('the published seed-0 vectors', () => {
  assert.equal(hex(xxhash64('')), hex(0xef46db3751d8e999n));
  assert.equal(hex(xxhash64('a')), hex(0xd24ec4f1a98c6e5bn));
  assert.equal(hex(xxhash64('abc')), hex(0x44bc2cf5ad770999n));
  // 39 bytes: one 32-byte stripe through the four lanes, then a 4-byte word and 3 single bytes.
  assert.equal(hex(xxhash64('Nobody inspects the spammish repetition')), hex(0xfbcea83c8a378bf1n));
});

test('lengths around the 32-byte stripe boundary match libxxhash', () => {
  const expected: [number, bigint, bigint][] = [
    // [length, seed 0, seed 0x9E3779B185EBCA87]
    [31, 0xa2aa5f33cc4a6119n, 0xe8cbf0e00f190c6en],
    [32, 0x23c3c17ef790fd97n, 0x7ce1c68e13aae778n],
    [33, 0x50a7cfc7ba588784n, 0x89d57d87d9f50a9dn],
    [63, 0x5e3e54b431c7493cn, 0x542d1a3fc194a1ccn],
    [64, 0x0eb64b3ef6eeb01fn, 0xf92fa17e1a94a799n],
    [65, 0xa383b724b2bd12f1n, 0xe09ce64e4fd6f4c4n],
  ];
  for (const [n, seed0, seeded] of expected) {
    assert.equal(hex(xxhash64(pattern(n))), hex(seed0), `length ${n}`);
    assert.equal(hex(xxhash64(pattern(n), 0x9e3779b185ebca87n)), hex(seeded), `length ${n}, seeded`);
  }
  assert.equal(hex(xxhash64(Uint8Array.from({ length: 100 }, (_, i) => i))), hex(0x6ac1e58032166597n));
});

test('seeds are taken modulo 2^64', () => {
  assert.equal(hex(xxhash64('abc', 1n)), hex(0xbea9ca8199328908n));
  assert.equal(hex(xxhash64('', -1n)), hex(0x298f4c84b24f5380n));
  assert.equal(xxhash64('abc', -1n), xxhash64('abc', 0xffffffffffffffffn));
  assert.equal(hex(xxhash64('Nobody inspects the spammish repetition', 2n ** 64n - 1n)), hex(0xaa61085cffb45675n));
});

test('strings hash as their UTF-8 bytes', () => {
  const text = 'héllo wörld ✓ 日本';
  assert.equal(hex(xxhash64(text)), hex(0x1d89d2cec973d0d6n));
  assert.equal(xxhash64(text), xxhash64(new TextEncoder().encode(text)));
});

test('a view into a larger buffer hashes only its own bytes', () => {
  const big = new Uint8Array(80);
  big.set(pattern(65), 7);
  assert.equal(hex(xxhash64(big.subarray(7, 7 + 65))), hex(0xa383b724b2bd12f1n));
});

test('results are unsigned 64-bit and deterministic', () => {
  for (let i = 0; i < 200; i++) {
    const h = xxhash64(`key-${i}`);
    assert.ok(h >= 0n && h < 2n ** 64n);
    assert.equal(h, xxhash64(`key-${i}`));
  }
});
