import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyCounts, type StreamCounts, type SyncEvent } from './events.js';
import { createReporter } from './reporter.js';
import { throttledProgress } from './throttled-progress.js';

describe('throttledProgress', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  function setup() {
    const counts = new Map<string, StreamCounts>([['users', emptyCounts()]]);
    const seen: number[] = [];
    const reporter = createReporter([(event: SyncEvent) => event.type === 'progress' && seen.push(event.counts.read)]);
    return { users: counts.get('users')!, seen, progress: throttledProgress(counts, reporter) };
  }

  it('delivers the last update of a burst at the end of the interval, not never', () => {
    const { users, seen, progress } = setup();
    for (let i = 1; i <= 5; i++) {
      users.read = i;
      progress('users');
    }
    expect(seen).toEqual([1]);
    // The read now waits (a slow source): the counts it reached still show, once.
    vi.advanceTimersByTime(250);
    expect(seen).toEqual([1, 5]);
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([1, 5]);
  });

  it('a forced update goes out at once and replaces the one pending', () => {
    const { users, seen, progress } = setup();
    users.read = 1;
    progress('users');
    users.read = 2;
    progress('users');
    users.read = 3;
    progress('users', true);
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([1, 3]);
  });
});
