import { describe, expect, it } from 'vitest';
import { MinuteBudget } from './minute-budget.js';

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
      random: () => 0.5,
    },
  };
}

describe('MinuteBudget', () => {
  it('lets the configured number through each minute, then waits for the next', async () => {
    const { timing, sleeps } = clock();
    const budget = new MinuteBudget(3, timing);
    for (let i = 0; i < 4; i++) await budget.acquire();
    expect(sleeps).toEqual([60_000]);
  });

  it('keeps the lowest count left when answers of concurrent requests arrive out of order', async () => {
    const { timing, sleeps } = clock();
    const budget = new MinuteBudget(700, timing);
    for (let i = 0; i < 3; i++) await budget.acquire();
    // The third request's answer (none left) comes back before the first's (two left).
    budget.observe(new Headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': '30' }));
    budget.observe(new Headers({ 'ratelimit-remaining': '2', 'ratelimit-reset': '30' }));
    await budget.acquire();
    expect(sleeps).toEqual([30_000]);
  });

  it('waits for ratelimit-reset when Zendesk says none are left', async () => {
    const { timing, sleeps } = clock();
    const budget = new MinuteBudget(700, timing);
    await budget.acquire();
    budget.observe(new Headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': '12' }));
    await budget.acquire();
    expect(sleeps).toEqual([12_000]);
  });

  it('reads X-Rate-Limit-Remaining too, and waits out the minute when no reset is given', async () => {
    const { timing, sleeps } = clock();
    const budget = new MinuteBudget(700, timing);
    budget.observe(new Headers({ 'x-rate-limit': '700', 'x-rate-limit-remaining': '1' }));
    await budget.acquire();
    await budget.acquire();
    expect(sleeps).toEqual([60_000]);
  });

  it('ignores answers without rate-limit headers', async () => {
    const { timing, sleeps } = clock();
    const budget = new MinuteBudget(2, timing);
    budget.observe(new Headers({ 'content-type': 'application/json' }));
    await budget.acquire();
    await budget.acquire();
    expect(sleeps).toEqual([]);
  });
});
