import { createHash } from 'node:crypto';

/**
 * A row's identity in the fingerprint store: a primary key that is one safe integer (a
 * number, or a bigint travelling as a decimal string) is kept as that integer, small and in
 * the order sources usually read; any other key is the 16-byte MD5 of its values.
 */
export type FingerprintKey = number | Buffer;

/** The 8-byte hash of a row as delivered (after mapping). Fingerprints, not security. */
export type RowHash = Buffer;

const SAFE_INTEGER_TEXT = /^-?(0|[1-9]\d{0,14})$/;

function md5(text: string): Buffer {
  return createHash('md5').update(text).digest();
}

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
  return md5(JSON.stringify(data)).subarray(0, 8);
}

/** Marks, in the store, a non-retryable rejection of a delete (the row left the model). */
export const DELETE_HASH: RowHash = Buffer.alloc(8);

/** A string identity for maps and sets (numbers and hex never collide: hex keys are 32 characters). */
export function keyId(key: FingerprintKey): string {
  return typeof key === 'number' ? String(key) : key.toString('hex');
}

export function sameHash(a: RowHash | undefined, b: RowHash | undefined): boolean {
  return a !== undefined && b !== undefined && a.equals(b);
}
