import type { StreamCounts } from './events.js';
import type { Reporter } from './reporter.js';

const PROGRESS_INTERVAL_MS = 250;

/**
 * Emits a stream's progress at most every 250 ms (or now, when forced). An update that comes
 * within the interval is not dropped but delivered at its end: a read that then waits (on a
 * slow source, a lock) must still show where it stands.
 */
export function throttledProgress(counts: ReadonlyMap<string, StreamCounts>, reporter: Reporter) {
  const last = new Map<string, number>();
  const pending = new Map<string, NodeJS.Timeout>();
  const emit = (stream: string) => {
    clearTimeout(pending.get(stream));
    pending.delete(stream);
    last.set(stream, Date.now());
    reporter.emit({ type: 'progress', stream, counts: { ...counts.get(stream)! } });
  };
  return (stream: string, force = false) => {
    const wait = (last.get(stream) ?? 0) + PROGRESS_INTERVAL_MS - Date.now();
    if (force || wait <= 0) return emit(stream);
    if (!pending.has(stream)) pending.set(stream, setTimeout(() => emit(stream), wait).unref());
  };
}
