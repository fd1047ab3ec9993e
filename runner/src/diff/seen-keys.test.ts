import { describe, expect, it } from 'vitest';
import { SeenKeys } from './seen-keys.js';

describe('SeenKeys', () => {
  it('gives back the keys in the order they came, runs of integers and other keys alike, then none', () => {
    const seen = new SeenKeys();
    const hashed = Buffer.alloc(16, 7);
    const keys = [1, 2, 3, 7, hashed, 8, 9, -2, -1, 0, 5, 4];
    for (const key of keys) seen.add(key);
    expect(seen.size).toBe(keys.length);
    expect(seen.take()).toEqual(keys);
    expect(seen.size).toBe(0);
    expect(seen.take()).toEqual([]);
  });
});
