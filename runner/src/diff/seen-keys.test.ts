import { describe, expect, it } from 'vitest';
import { SeenKeys, keysOfRuns } from './seen-keys.js';

describe('SeenKeys', () => {
  it('holds consecutive integer keys as one run and any other key alone, in the order they came, then none', () => {
    const seen = new SeenKeys();
    const hashed = Buffer.alloc(16, 7);
    const keys = [1, 2, 3, 7, hashed, 8, 9, -2, -1, 0, 5, 4];
    for (const key of keys) seen.add(key);
    expect(seen.size).toBe(keys.length);
    const runs = seen.take();
    expect(runs).toEqual([1, 3, 7, 7, hashed, hashed, 8, 9, -2, 0, 5, 5, 4, 4]);
    expect(keysOfRuns(runs)).toEqual(keys);
    expect(seen.size).toBe(0);
    expect(seen.take()).toEqual([]);
  });
});
