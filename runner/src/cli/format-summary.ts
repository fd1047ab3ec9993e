import { COUNT_COLUMNS } from '../report/events.js';
import type { ContainerStart } from '../launchers/index.js';
import type { SyncSummary } from '../sync/run-sync.js';

/** The final summary for people: per-stream counts, duration, the error if any. */
export function formatSummary(summary: SyncSummary): string {
  const columns = COUNT_COLUMNS;
  const rows = Object.entries(summary.streams).map(([stream, c]) => [stream, ...columns.map((column) => c[column])]);
  rows.push(['total', ...columns.map((column) => summary.totals[column])]);
  const header = ['stream', ...columns];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) =>
    cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!))).join('  ');
  const out = [
    `sync ${summary.connection}${summary.run !== undefined ? ` (run ${summary.run})` : ''}: ${summary.status} in ${(summary.durationMs / 1000).toFixed(1)}s (${ranWith(summary)})`,
    line(header),
    ...rows.map(line),
  ];
  if (summary.rejections.length > 0) {
    out.push(`rejected records (first ${Math.min(5, summary.rejections.length)}):`);
    for (const r of summary.rejections.slice(0, 5)) {
      out.push(`  ${r.stream} ${JSON.stringify(r.key)}: ${r.reason}${r.retryable ? ' (retryable)' : ''}`);
    }
  }
  if (summary.invalid.length > 0) {
    out.push(`invalid rows (first ${Math.min(5, summary.invalid.length)}):`);
    for (const r of summary.invalid.slice(0, 5)) out.push(`  ${r.stream} ${JSON.stringify(r.key)}: ${r.reason}`);
  }
  if (summary.error) out.push(`error: ${summary.error.message}`);
  return out.join('\n') + '\n';
}

/**
 * `process`, or each connector's real executor when they differ (an image always runs in
 * Docker), then how their containers started, when they did not start with the run.
 */
function ranWith(summary: SyncSummary): string {
  const ran = summary.connectors;
  const executors =
    !ran || ran.source.executor === ran.destination.executor
      ? (ran?.source.executor ?? summary.executor)
      : `source ${ran.source.executor}, destination ${ran.destination.executor}`;
  const source = ran?.source.container;
  const destination = ran?.destination.container;
  if ((source ?? 'created') === 'created' && (destination ?? 'created') === 'created') return executors;
  if (source === destination) return `${executors}, containers ${CONTAINER_STARTS[source!]}`;
  const started = (side: string, start: ContainerStart | undefined) =>
    start === undefined ? [] : [`${side} ${CONTAINER_STARTS[start]}`];
  return [executors, ...started('source', source), ...started('destination', destination)].join(', ');
}

const CONTAINER_STARTS: Record<ContainerStart, string> = {
  warm: 'kept warm',
  early: 'started ahead',
  created: 'started by the run',
};
