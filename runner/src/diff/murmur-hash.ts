/**
 * Where `murmur64` leaves a hash: its two 32-bit halves, h1 then h2. One shared array, so that
 * hashing a row allocates nothing (an unchanged rerun hashes every row it reads).
 */
export const MURMUR_WORDS = new Int32Array(2);

/**
 * MurmurHash3 x86_128 (seed 0) of bytes `[start, end)` of `bytes`: its first 64 bits, into
 * `MURMUR_WORDS` (h1, h2). Written in 32-bit integer steps, which JavaScript runs natively:
 * about a third of the time of the native MD5 it replaced for a row of a few hundred bytes, a
 * call into C++ costing more than the hash. A fingerprint, not security.
 */
export function murmur64(bytes: Uint8Array, start: number, end: number): void {
  const view = viewOf(bytes);
  const base = bytes.byteOffset;
  const length = end - start;
  const blocksEnd = start + (length & ~15);
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  let i = start;
  for (; i < blocksEnd; i += 16) {
    h1 ^= mix1(view.getInt32(base + i, true));
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    h2 ^= mix2(view.getInt32(base + i + 4, true));
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    h3 ^= mix3(view.getInt32(base + i + 8, true));
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    h4 ^= mix4(view.getInt32(base + i + 12, true));
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  const tail = end - i;
  if (tail > 12) h4 ^= mix4(partialWord(bytes, i + 12, tail - 12));
  if (tail > 8) h3 ^= mix3(partialWord(bytes, i + 8, Math.min(tail - 8, 4)));
  if (tail > 4) h2 ^= mix2(partialWord(bytes, i + 4, Math.min(tail - 4, 4)));
  if (tail > 0) h1 ^= mix1(partialWord(bytes, i, Math.min(tail, 4)));
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = finalMix(h1);
  h2 = finalMix(h2);
  h3 = finalMix(h3);
  h4 = finalMix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  MURMUR_WORDS[0] = h1;
  MURMUR_WORDS[1] = h2 + h1;
}

/** `murmur64` as 16 lowercase hex digits (h1 then h2, each big-endian). */
export function murmur64Hex(bytes: Uint8Array, start: number, end: number): string {
  murmur64(bytes, start, end);
  return wordsHex(MURMUR_WORDS[0]!, MURMUR_WORDS[1]!);
}

/** Two 32-bit words as 16 lowercase hex digits, each big-endian. */
export function wordsHex(high: number, low: number): string {
  return hex32(high) + hex32(low);
}

/**
 * A DataView of the last memory hashed: reading a block's words with it is a third faster than
 * assembling them from bytes, and the lines of one chunk share its memory, so one view serves
 * all of them.
 */
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

function viewOf(bytes: Uint8Array): DataView<ArrayBufferLike> {
  if (view.buffer !== bytes.buffer) view = new DataView(bytes.buffer);
  return view;
}

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function mix1(k: number): number {
  return Math.imul(rotl(Math.imul(k, C1), 15), C2);
}
function mix2(k: number): number {
  return Math.imul(rotl(Math.imul(k, C2), 16), C3);
}
function mix3(k: number): number {
  return Math.imul(rotl(Math.imul(k, C3), 17), C4);
}
function mix4(k: number): number {
  return Math.imul(rotl(Math.imul(k, C4), 18), C1);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** The first `count` (1–4) bytes at `at` as the low bytes of a little-endian word. */
function partialWord(bytes: Uint8Array, at: number, count: number): number {
  let k = 0;
  for (let j = count - 1; j >= 0; j--) k = (k << 8) | bytes[at + j]!;
  return k;
}

function finalMix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex32(x: number): string {
  return HEX_BYTES[x >>> 24]! + HEX_BYTES[(x >>> 16) & 255]! + HEX_BYTES[(x >>> 8) & 255]! + HEX_BYTES[x & 255]!;
}
