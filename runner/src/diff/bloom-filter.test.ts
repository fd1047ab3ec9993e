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

  it('keeps integer keys exactly while they form few runs, in key order or from the middle round to the start', () => {
    const count = 1_000_000;
    // Ids with a gap every 1000: a thousand runs.
    const present = (i: number) => i % 1000 !== 0;
    const ascending = Array.from({ length: count }, (_, i) => i);
    for (const order of [ascending, [...ascending.slice(count / 2), ...ascending.slice(0, count / 2)]]) {
      const bloom = new BloomFilter();
      let wrong = 0;
      for (const i of order) if (present(i) && bloom.add(i)) wrong++;
      for (let i = count - 1; i >= 0; i--) if (bloom.add(i) !== present(i)) wrong++;
      expect(wrong).toBe(0);
    }
  });

  it('tells a repeated key from the runs, out of order keys and hashed keys alike', () => {
    const bloom = new BloomFilter();
    for (const key of [1, 2, 3, 7, 8]) expect(bloom.add(key)).toBe(false);
    expect(bloom.add(8)).toBe(true);
    expect(bloom.add(5)).toBe(false);
    expect(bloom.add(5)).toBe(true);
    expect(bloom.add(4)).toBe(false);
    expect(bloom.add(6)).toBe(false);
    for (const key of [1, 2, 3, 4, 5, 6, 7, 8]) expect(bloom.add(key)).toBe(true);
    expect(bloom.add(9)).toBe(false);
    expect(bloom.add(9)).toBe(true);
    expect(bloom.add(2)).toBe(true);
    const hashed = createHash('md5').update('a').digest();
    expect(bloom.add(hashed)).toBe(false);
    expect(bloom.add(hashed)).toBe(true);
  });

  it('moves keys in no order into the filter, and never forgets one', () => {
    const bloom = new BloomFilter();
    const keys = Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 200_000);
    let claimed = 0;
    for (const key of keys) if (bloom.add(key)) claimed++;
    expect(claimed / keys.length).toBeLessThan(0.01);
    let forgotten = 0;
    for (const key of keys) if (!bloom.add(key)) forgotten++;
    expect(forgotten).toBe(0);
  });

  it('moves keys in order but with many gaps into the filter, and never forgets one', () => {
    const bloom = new BloomFilter();
    let claimed = 0;
    for (let i = 0; i < 200_000; i++) if (bloom.add(i * 3)) claimed++;
    expect(claimed / 200_000).toBeLessThan(0.01);
    let forgotten = 0;
    for (let i = 0; i < 200_000; i++) if (!bloom.add(i * 3)) forgotten++;
    expect(forgotten).toBe(0);
  });

  it('works on hashed keys', () => {
    const bloom = new BloomFilter();
    const key = (i: number) => createHash('md5').update(String(i)).digest();
    for (let i = 0; i < 10_000; i++) bloom.add(key(i));
    for (let i = 0; i < 10_000; i++) expect(bloom.add(key(i))).toBe(true);
  });
});
