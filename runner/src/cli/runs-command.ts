import { createWriteStream } from 'node:fs';
import { Command, Option } from 'commander';
import { loadConnectionLocation } from '../connection/load-connection.js';
import { ConfigurationError, EXIT_CODES, RunnerError } from '../errors.js';
import { exportRows } from '../history/export-rows.js';
import { COUNT_COLUMNS } from '../report/events.js';
import { DEFAULT_STATE } from '../store/location.js';
import { openStore } from '../store/open-store.js';
import type { RunRecord, Store } from '../store/types.js';

interface Where {
  state?: string;
  connection?: string;
}

const SHOWN_ROWS = 20;

/** `runner runs list|show`: the recorded sync runs and the rows each could not deliver. */
export function runsCommand(setExit: (code: number) => void) {
  const runs = new Command('runs').description('list recorded sync runs, show one with its rejected and invalid rows');
  const where = (command: Command) =>
    command
      .option(
        '--state <location>',
        'state directory or postgres:// URL (default: the connection file’s, else .backflow here)',
      )
      .option(
        '-c, --connection <file>',
        'use this connection file’s state location (its secret variables need not be set); only its runs',
      );
  where(runs.command('list'))
    .description('list runs, newest first')
    .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print the runs as JSON')
    .action((options: Where & { limit: number; json?: boolean }) =>
      guarded(setExit, async () => {
        const { store, connection } = await open(options);
        try {
          const list = await store.listRuns({ limit: options.limit, ...(connection ? { connection } : {}) });
          process.stdout.write(options.json ? JSON.stringify(list, null, 2) + '\n' : formatList(list));
        } finally {
          await store.close();
        }
      }),
    );
  where(runs.command('show'))
    .description("show a run's counts and undelivered rows, or export the rows")
    .argument('<run>', 'run id (from `runner runs list`)')
    .addOption(new Option('--format <format>', 'export the rejected and invalid rows').choices(['csv', 'json']))
    .option('--output <file>', 'write the export to a file instead of stdout')
    .option('--json', 'print the run record as JSON')
    .action((id: string, options: Where & { format?: 'csv' | 'json'; output?: string; json?: boolean }) =>
      guarded(setExit, async () => {
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
      }),
    );
  return runs;
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

async function guarded(setExit: (code: number) => void, action: () => Promise<void>): Promise<void> {
  try {
    await action();
    setExit(EXIT_CODES.success);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    setExit(error instanceof RunnerError ? error.exitCode : EXIT_CODES.failed);
  }
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
