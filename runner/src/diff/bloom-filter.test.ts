import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BloomFilter } from './bloom-filter.js';

describe('BloomFilter', () => {
  it('never forgets a key and rarely claims an unseen one, across growing layers', () => {
    const bloom = new BloomFilter();
    const count = 300_000;
    let falsePositives = 0;
    for (let i = 0; i < count; i++) if (bloom.add(i)) falsePositives++;
    expect(falsePositives / count).toBeLessThan(0.01);
    let forgotten = 0;
    for (let i = 0; i < count; i++) if (!bloom.add(i)) forgotten++;
    expect(forgotten).toBe(0);
  });

  it('finds keys inserted as new', () => {
    const bloom = new BloomFilter();
    for (let i = 0; i < 200_000; i++) bloom.insert(i * 3);
    for (let i = 0; i < 200_000; i++) expect(bloom.add(i * 3)).toBe(true);
  });

  it('works on hashed keys', () => {
    const bloom = new BloomFilter();
    const key = (i: number) => createHash('md5').update(String(i)).digest();
    for (let i = 0; i < 10_000; i++) bloom.add(key(i));
    for (let i = 0; i < 10_000; i++) expect(bloom.add(key(i))).toBe(true);
  });
});
