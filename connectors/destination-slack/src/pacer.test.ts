import { describe, expect, it } from 'vitest';
import { ARRIVAL_MARGIN, Pacer } from './pacer.js';

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
  it('spaces calls of one key by the interval and its margin, and lets another key go at once', async () => {
    const { timing, sleeps } = clock();
    const pacer = new Pacer(1000, timing);
    await pacer.wait('C1');
    await pacer.wait('C2');
    await pacer.wait('C1');
    await pacer.wait('C1');
    const gap = 1000 * (1 + ARRIVAL_MARGIN);
    expect(sleeps).toEqual([gap, gap]);
    expect(gap).toBeGreaterThan(1000);
  });

  it('defers a key after a 429 by the Retry-After', async () => {
    const { timing, sleeps } = clock();
    const pacer = new Pacer(1000, timing);
    await pacer.wait('C1');
    pacer.defer('C1', 7000);
    await pacer.wait('C1');
    expect(sleeps).toEqual([7000]);
  });

  it('keeps the full interval after a sleep that woke late', async () => {
    let now = 0;
    const sleeps: number[] = [];
    // Every other sleep wakes 6 ms late, as timers on a busy machine do.
    const timing = {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms + (sleeps.length % 2) * 6;
      },
      random: () => 0,
    };
    const pacer = new Pacer(1000, timing);
    const sent: number[] = [];
    for (let i = 0; i < 4; i++) {
      await pacer.wait('C1');
      sent.push(now);
    }
    const gaps = sent.slice(1).map((at, i) => at - sent[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
  });
});
