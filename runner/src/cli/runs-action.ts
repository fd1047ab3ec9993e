import { createWriteStream } from 'node:fs';
import { loadConnectionLocation } from '../connection/load-connection.js';
import { ConfigurationError, EXIT_CODES, RunnerError } from '../errors.js';
import { exportRows } from '../history/export-rows.js';
import { COUNT_COLUMNS } from '../report/events.js';
import { DEFAULT_STATE } from '../store/location.js';
import { openStore } from '../store/open-store.js';
import type { RunRecord, Store } from '../store/types.js';

export interface Where {
  state?: string;
  connection?: string;
}

const SHOWN_ROWS = 20;

/** `runner runs list`: prints the runs, newest first; returns the exit code. */
export function listRuns(options: Where & { limit: number; json?: boolean }): Promise<number> {
  return guarded(async () => {
    const { store, connection } = await open(options);
    try {
      const list = await store.listRuns({ limit: options.limit, ...(connection ? { connection } : {}) });
      process.stdout.write(options.json ? JSON.stringify(list, null, 2) + '\n' : formatList(list));
    } finally {
      await store.close();
    }
  });
}

/** `runner runs show <run>`: prints a run with its undelivered rows, or exports them; returns the exit code. */
export function showRun(
  id: string,
  options: Where & { format?: 'csv' | 'json'; output?: string; json?: boolean },
): Promise<number> {
  return guarded(async () => {
    const run = Number.parseInt(id, 10);
    if (!Number.isSafeInteger(run)) throw new ConfigurationError(`"${id}" is not a run id`);
    const { store, connection } = await open(options);
    try {
      const record = await findRun(store, run, connection);
      if (options.format) {
        const out = options.output ? createWriteStream(options.output) : process.stdout;
        const count = await exportRows(store, record, options.format, out);
        if (options.output) {
          await new Promise<void>((resolve, reject) =>
            out.end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
          process.stderr.write(`wrote ${count} row(s) to ${options.output}\n`);
        }
      } else if (options.json) {
        process.stdout.write(
          JSON.stringify({ ...record, undelivered: await store.countRunRows(record) }, null, 2) + '\n',
        );
      } else {
        process.stdout.write(await formatRun(store, record));
      }
    } finally {
      await store.close();
    }
  });
}

async function guarded(action: () => Promise<void>): Promise<number> {
  try {
    await action();
    return EXIT_CODES.success;
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof RunnerError ? error.exitCode : EXIT_CODES.failed;
  }
}

async function open(options: Where): Promise<{ store: Store; connection?: string }> {
  if (options.connection) {
    const connection = await loadConnectionLocation(options.connection);
    return { store: openStore(options.state ?? connection.state, process.cwd()), connection: connection.name };
  }
  return { store: openStore(options.state ?? DEFAULT_STATE, process.cwd()) };
}

/** Run ids are per connection in a state directory: with several connections, one is named. */
async function findRun(store: Store, run: number, connection: string | undefined): Promise<RunRecord> {
  const found = await store.findRuns(run, connection);
  if (found.length === 0) throw new ConfigurationError(`no run ${run} in ${store.location}`);
  if (found.length > 1) {
    throw new ConfigurationError(
      `run ${run} exists for several connections in ${store.location} (${found.map((r) => r.connection).join(', ')}): name one with -c <connection file>`,
    );
  }
  return found[0]!;
}

function formatList(list: readonly RunRecord[]): string {
  if (list.length === 0) return 'no runs recorded\n';
  const rows = list.map((r) => [
    String(r.id),
    r.connection,
    r.status,
    r.startedAt,
    r.finishedAt ? `${((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1)}s` : '-',
    ...(['read', 'added', 'changed', 'removed', 'sent', 'rejected', 'invalid'] as const).map((c) =>
      String(r.totals?.[c] ?? '-'),
    ),
  ]);
  return table(
    [
      'run',
      'connection',
      'status',
      'started',
      'took',
      'read',
      'added',
      'changed',
      'removed',
      'sent',
      'rejected',
      'invalid',
    ],
    rows,
  );
}

async function formatRun(store: Store, record: RunRecord): Promise<string> {
  const columns = COUNT_COLUMNS;
  const out = [
    `run ${record.id} of ${record.connection}: ${record.status}${record.exitCode !== undefined ? ` (exit ${record.exitCode})` : ''}`,
    `started ${record.startedAt}${record.finishedAt ? `, finished ${record.finishedAt}` : ''}`,
    ...(record.error ? [`error: ${record.error}`] : []),
    '',
    table(
      ['stream', ...columns],
      Object.entries(record.streams).map(([stream, counts]) => [stream, ...columns.map((c) => String(counts[c]))]),
    ).trimEnd(),
  ];
  const total = await store.countRunRows(record);
  if (total > 0) {
    out.push(
      '',
      `undelivered rows (${total}${total > SHOWN_ROWS ? `, first ${SHOWN_ROWS}` : ''}; export all with --format csv|json):`,
    );
    for (const { row } of await store.runRows(record, 0, SHOWN_ROWS)) {
      const how = row.kind === 'invalid' ? 'invalid' : row.retryable ? 'rejected, retryable' : 'rejected';
      out.push(`  ${row.stream} ${JSON.stringify(row.key)} ${how}: ${row.reason}`);
    }
  }
  return out.join('\n') + '\n';
}

function table(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
