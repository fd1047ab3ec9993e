import type { StreamCounts } from './events.js';
import type { Reporter } from './reporter.js';

const PROGRESS_INTERVAL_MS = 250;

/** Emits a stream's progress at most every 250 ms (or now, when forced). */
export function throttledProgress(counts: ReadonlyMap<string, StreamCounts>, reporter: Reporter) {
  const last = new Map<string, number>();
  return (stream: string, force = false) => {
    const now = Date.now();
    if (!force && now - (last.get(stream) ?? 0) < PROGRESS_INTERVAL_MS) return;
    last.set(stream, now);
    reporter.emit({ type: 'progress', stream, counts: { ...counts.get(stream)! } });
  };
}
