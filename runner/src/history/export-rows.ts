import type { Writable } from 'node:stream';
import type { RunRef, RunRow, Store } from '../store/types.js';

const PAGE = 1000;
const CSV_COLUMNS = ['run', 'stream', 'kind', 'key', 'reason', 'retryable', 'field'] as const;

/**
 * Writes a run's undelivered rows as CSV (one row per line, the key as JSON) or as a JSON
 * array, page by page, so a run with millions of rejections exports in constant memory.
 * Returns how many rows were written.
 */
export async function exportRows(store: Store, ref: RunRef, format: 'csv' | 'json', out: Writable): Promise<number> {
  const run = ref.id;
  let count = 0;
  await write(out, format === 'csv' ? `${CSV_COLUMNS.join(',')}\n` : '[');
  for (let after = 0; ;) {
    const page = await store.runRows(ref, after, PAGE);
    if (page.length === 0) break;
    after = page.at(-1)!.seq;
    const text = page
      .map(({ row }) =>
        format === 'csv' ? csvLine(run, row) : `${count++ === 0 ? '' : ','}\n${JSON.stringify({ run, ...row })}`,
      )
      .join('');
    if (format === 'csv') count += page.length;
    await write(out, text);
  }
  await write(out, format === 'csv' ? '' : count > 0 ? '\n]\n' : ']\n');
  return count;
}

function csvLine(run: number, row: RunRow): string {
  const cells = [run, row.stream, row.kind, JSON.stringify(row.key), row.reason, row.retryable, row.field ?? ''];
  return cells.map((cell) => csvCell(String(cell))).join(',') + '\n';
}

/** RFC 4180: quote a cell holding a comma, quote or line break; double the quotes inside. */
function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function write(out: Writable, text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve, reject) => {
    out.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
