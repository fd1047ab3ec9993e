import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.js';

function clock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    timing: {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
      random: () => 0,
    },
  };
}

describe('Pacer', () => {
  it('spaces calls of one key by the interval, and lets another key go at once', async () => {
    const { timing, sleeps } = clock();
    const pacer = new Pacer(1000, timing);
    await pacer.wait('C1');
    await pacer.wait('C2');
    await pacer.wait('C1');
    await pacer.wait('C1');
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('defers a key after a 429 by the Retry-After', async () => {
    const { timing, sleeps } = clock();
    const pacer = new Pacer(1000, timing);
    await pacer.wait('C1');
    pacer.defer('C1', 7000);
    await pacer.wait('C1');
    expect(sleeps).toEqual([7000]);
  });
});
