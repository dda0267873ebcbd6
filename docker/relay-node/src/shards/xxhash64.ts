// XXH64 (xxHash spec rev. 0.8), the hash behind every shard strategy: the real host uses .NET's
// System.IO.Hashing.XxHash64 over UTF-8, so placements only agree if this is bit-exact.
// BigInt keeps it dependency-free (relay-node bundles Node built-ins only); every step is masked
// to 64 bits because BigInt never wraps on its own.
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const rotl = (x: bigint, r: bigint): bigint => u64((x << r) | (x >> (64n - r)));

function round(acc: bigint, lane: bigint): bigint {
  return u64(rotl(u64(acc + lane * P2), 31n) * P1);
}

function mergeRound(acc: bigint, lane: bigint): bigint {
  return u64((acc ^ round(0n, lane)) * P1 + P4);
}

const utf8 = new TextEncoder();

/** XXH64 of `input` (strings are UTF-8 encoded) as an unsigned 64-bit bigint. */
export function xxhash64(input: Uint8Array | string, seed = 0n): bigint {
  const bytes = typeof input === 'string' ? utf8.encode(input) : input;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.byteLength;
  const s = u64(seed);
  let p = 0;
  let h: bigint;

  if (len >= 32) {
    // Four independent lanes over 32-byte stripes.
    let v1 = u64(s + P1 + P2);
    let v2 = u64(s + P2);
    let v3 = s;
    let v4 = u64(s - P1);
    for (; p + 32 <= len; p += 32) {
      v1 = round(v1, view.getBigUint64(p, true));
      v2 = round(v2, view.getBigUint64(p + 8, true));
      v3 = round(v3, view.getBigUint64(p + 16, true));
      v4 = round(v4, view.getBigUint64(p + 24, true));
    }
    h = u64(rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n));
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = u64(s + P5);
  }
  h = u64(h + BigInt(len));

  // Tail: 8-byte words, then one 4-byte word, then single bytes.
  for (; p + 8 <= len; p += 8) {
    h = u64(rotl(h ^ round(0n, view.getBigUint64(p, true)), 27n) * P1 + P4);
  }
  if (p + 4 <= len) {
    h = u64(rotl(h ^ u64(BigInt(view.getUint32(p, true)) * P1), 23n) * P2 + P3);
    p += 4;
  }
  for (; p < len; p++) {
    h = u64(rotl(h ^ u64(BigInt(view.getUint8(p)) * P5), 11n) * P1);
  }

  // Avalanche.
  h = u64((h ^ (h >> 33n)) * P2);
  h = u64((h ^ (h >> 29n)) * P3);
  return h ^ (h >> 32n);
}
