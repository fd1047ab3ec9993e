import { COUNT_COLUMNS } from '../report/events.js';
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

/** `process`, or each connector's real executor when they differ (an image always runs in Docker). */
function ranWith(summary: SyncSummary): string {
  const ran = summary.connectors;
  if (!ran || ran.source.executor === ran.destination.executor) return ran?.source.executor ?? summary.executor;
  return `source ${ran.source.executor}, destination ${ran.destination.executor}`;
}
