import { describe, expect, it } from 'vitest';
import { keyOf, RowIndex } from './row-index.js';

describe('RowIndex', () => {
  it('indexes the block under the header down to the first empty row; rows in it without a key are skipped', () => {
    const index = new RowIndex([[1, 'a'], [2], ['', 'typed'], ['x'], [], ['mine']], [0]);
    expect(index.rowOf('1')).toBe(2);
    expect(index.rowOf('x')).toBe(5);
    expect(index.rowOf('')).toBeUndefined();
    expect(index.rowOf('mine')).toBeUndefined();
    expect(index.lastRow()).toBe(5);
  });

  it('follows deletes and appends; rows between the block and an append hold no key', () => {
    const index = new RowIndex([['a'], ['b'], ['c'], ['d']], [0]);
    index.deleted([3, 5]);
    expect([index.rowOf('a'), index.rowOf('b'), index.rowOf('c'), index.rowOf('d')]).toEqual([
      2,
      undefined,
      3,
      undefined,
    ]);
    index.appended(5, ['e', 'f']);
    expect([index.rowOf('e'), index.rowOf('f'), index.lastRow()]).toEqual([5, 6, 6]);
  });

  it('composite keys use every column; a key on two rows keeps the first and is reported', () => {
    const index = new RowIndex(
      [
        [1, 'a'],
        [1, 'a'],
        [2, 'a'],
      ],
      [0, 1],
    );
    expect(index.rowOf(keyOf(['1', 'a']))).toBe(2);
    expect(index.rowOf(keyOf(['2', 'a']))).toBe(4);
    expect(index.duplicates).toEqual([keyOf(['1', 'a'])]);
  });
});
