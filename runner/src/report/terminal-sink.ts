import cliProgress from 'cli-progress';
import { emptyCounts, type StreamCounts, type SyncEvent } from './events.js';
import type { EventSink } from './reporter.js';

const QUIET_LEVELS = new Set(['debug', 'trace']);

/**
 * A live display for people at a terminal: one line per stream with records read, the diff
 * (+added ~changed -removed =unchanged), sent, committed, rejected and invalid, and the rate, with connector logs scrolling above it.
 */
export function terminalSink(options: { verbose?: boolean } = {}): EventSink {
  const bars = new cliProgress.MultiBar(
    {
      format:
        ' {stream} | read {read} | +{added} ~{changed} -{removed} ={unchanged} | sent {sent} | committed {committed} | rejected {rejected} | invalid {invalid} | {rate} rec/s',
      hideCursor: true,
      // The summary printed next has the final counts: a last frame left above it would only
      // repeat them, cut at the terminal's width.
      clearOnComplete: true,
      stopOnComplete: false,
      fps: 8,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_grey,
  );
  const lines = new Map<string, cliProgress.SingleBar>();
  const started = new Map<string, number>();
  const width = { value: 0 };
  return (event: SyncEvent) => {
    switch (event.type) {
      case 'started':
        width.value = Math.max(...event.streams.map((s) => s.length));
        for (const stream of event.streams) {
          started.set(stream, Date.now());
          lines.set(stream, bars.create(1, 0, payload(stream, width.value, undefined, 0)));
        }
        break;
      case 'progress': {
        const seconds = (Date.now() - (started.get(event.stream) ?? Date.now())) / 1000;
        const rate = seconds > 0 ? Math.round(event.counts.read / seconds) : 0;
        lines.get(event.stream)?.update(0, payload(event.stream, width.value, event.counts, rate));
        break;
      }
      case 'log':
        if (options.verbose || !QUIET_LEVELS.has(event.level))
          bars.log(`[${event.origin}] ${event.level} ${event.message}\n`);
        break;
      case 'finished':
        bars.stop();
        break;
      case 'committed':
        break;
    }
  };
}

function payload(stream: string, width: number, counts: StreamCounts | undefined, rate: number) {
  return { stream: stream.padEnd(width), ...(counts ?? emptyCounts()), rate };
}
