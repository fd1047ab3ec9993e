import { describe, expect, it } from 'vitest';
import { textHash } from './fingerprint.js';
import { MURMUR_WORDS, murmur64, murmur64Hex } from './murmur-hash.js';

const bytes = (text: string) => Buffer.from(text);

describe('murmur64Hex', () => {
  it("gives MurmurHash3 x86_128's published values (seed 0), its first 64 bits", () => {
    expect(murmur64Hex(bytes(''), 0, 0)).toBe('0000000000000000');
    const fox = bytes('The quick brown fox jumps over the lazy dog');
    // x86_128 of this text is 2f1583c3ecee2c675d7bf66ce5e91d2c.
    expect(murmur64Hex(fox, 0, fox.length)).toBe('2f1583c3ecee2c67');
    murmur64(fox, 0, fox.length);
    expect([MURMUR_WORDS[0]! >>> 0, MURMUR_WORDS[1]! >>> 0]).toEqual([0x2f1583c3, 0xecee2c67]);
  });

  it('hashes a range of a buffer as it hashes those bytes alone, whatever the length of the tail', () => {
    const all = Buffer.from(Array.from({ length: 80 }, (_, i) => (i * 37 + 11) & 255));
    const seen = new Set<string>();
    for (let length = 0; length <= 40; length++) {
      const alone = Buffer.from(all.subarray(5, 5 + length));
      const hash = murmur64Hex(all, 5, 5 + length);
      expect(hash).toBe(murmur64Hex(alone, 0, length));
      expect(hash).toMatch(/^[0-9a-f]{16}$/);
      seen.add(hash);
    }
    expect(seen.size).toBe(41);
  });

  it('a text and its UTF-8 bytes hash the same, multi-byte characters and long texts included', () => {
    for (const text of ['{"id":1,"name":"Zoë ✓ 😀"}', `{"id":2,"note":"${'é'.repeat(40_000)}"}`]) {
      const utf8 = bytes(text);
      expect(textHash(text)).toBe(murmur64Hex(utf8, 0, utf8.length));
    }
    expect(textHash('{"id":1}')).not.toBe(textHash('{"id":2}'));
  });
});
