import * as crypto from 'node:crypto';
import { murmur64Hex } from './murmur-hash.js';

/**
 * A row's identity in the fingerprint store: a primary key that is one safe integer (a
 * number, or a bigint travelling as a decimal string) is kept as that integer, small and in
 * the order sources usually read; any other key is the 16-byte MD5 of its values.
 */
export type FingerprintKey = number | Buffer;

/**
 * The hash of a row as delivered (after mapping): 64 bits of its JSON's UTF-8 bytes (as the
 * source printed them when the row went unmapped, else as `JSON.stringify` writes them), as 16
 * lowercase hex digits. Stores keep the 8 bytes; in memory a short string is several times
 * cheaper than a Buffer to make and to compare. Fingerprints, not security: the hash is
 * MurmurHash3's (`murmur64Hex`); stores written before it hold the first 8 bytes of the MD5
 * (`legacyTextHash`), which still match.
 */
export type RowHash = string;

const SAFE_INTEGER_TEXT = /^-?(0|[1-9]\d{0,14})$/;

function md5(text: string): Buffer {
  return crypto.createHash('md5').update(text).digest();
}

/** One-shot hashing (Node ≥ 20.12) skips a Hash object per row; older Node 20 releases lack it. */
const md5Hex: (data: string | Buffer) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('md5', text, 'hex')
    : (text) => crypto.createHash('md5').update(text).digest('hex');

/** Where a text is encoded to be hashed: rows are short, and a longer one gets a buffer of its own. */
const scratch = Buffer.allocUnsafe(64 * 1024);

/** The store key of a row from its primary key values (in key column order). */
export function fingerprintKey(values: readonly unknown[]): FingerprintKey {
  if (values.length === 1) {
    const value = values[0];
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' && SAFE_INTEGER_TEXT.test(value)) return Number(value);
  }
  return md5(JSON.stringify(values));
}

export function rowHash(data: unknown): RowHash {
  return textHash(JSON.stringify(data));
}

/** The hash of a row given as its JSON text: `rowHash(data)` when the text is `JSON.stringify(data)`. */
export function textHash(json: string): RowHash {
  // Three bytes per UTF-16 unit at most.
  const buffer = json.length * 3 <= scratch.length ? scratch : Buffer.allocUnsafe(Buffer.byteLength(json));
  return murmur64Hex(buffer, 0, buffer.write(json, 0, 'utf8'));
}

/** `textHash` as runners before MurmurHash computed it (the first 8 bytes of the MD5): what stores written by them hold. */
export function legacyTextHash(json: string): RowHash {
  return md5Hex(json).slice(0, 16);
}

/** `legacyTextHash` of the text that bytes `[start, end)` of `utf8` encode. */
export function legacyBytesHash(utf8: Buffer, start: number, end: number): RowHash {
  return md5Hex(utf8.subarray(start, end)).slice(0, 16);
}

/** Marks, in the store, a non-retryable rejection of a delete (the row left the model). */
export const DELETE_HASH: RowHash = '0000000000000000';

/** A string identity for maps and sets (numbers and hex never collide: hex keys are 32 characters). */
export function keyId(key: FingerprintKey): string {
  return typeof key === 'number' ? String(key) : key.toString('hex');
}

export function sameHash(a: RowHash | undefined, b: RowHash | undefined): boolean {
  return a !== undefined && a === b;
}
