import { describe, expect, it } from 'vitest';
import { RollingWindow } from './rolling-window.js';
import type { Timing } from './timing.js';

function clock() {
  let now = 0;
  const timing: Timing = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    random: () => 0,
  };
  return { timing, advance: (ms: number) => (now += ms), now: () => now };
}

describe('RollingWindow', () => {
  it('lets `max` requests through at once, then one more each time the oldest leaves the window', async () => {
    const { timing, now } = clock();
    const window = new RollingWindow(3, 1000, timing);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      (await window.acquire()).done();
      times.push(now());
    }
    expect(times).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('counts a slot from when its answer arrived, so slow requests never overrun the server-side window', async () => {
    const { timing, advance, now } = clock();
    const window = new RollingWindow(1, 1000, timing);
    const slow = await window.acquire();
    advance(400);
    slow.done();
    await window.acquire();
    expect(now()).toBe(1400);
  });

  it('holds every request until the time a 429 asked for, however free the window is', async () => {
    const { timing, now } = clock();
    const window = new RollingWindow(10, 1000, timing);
    window.holdUntil(2500);
    window.holdUntil(1000);
    (await window.acquire()).done();
    expect(now()).toBe(2500);
  });

  it('never expires a slot whose answer has not arrived, however long it takes', async () => {
    const { timing, advance, now } = clock();
    const window = new RollingWindow(1, 1000, timing);
    const slow = await window.acquire();
    advance(5000);
    let acquired = false;
    const next = window.acquire().then(() => (acquired = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(acquired).toBe(false);
    slow.done();
    await next;
    // Counted from the answer at 5000: the next request goes a window later.
    expect(now()).toBe(6000);
  });
});
