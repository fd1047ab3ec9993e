import { Command, Option } from 'commander';
import type { Where } from './runs-action.js';

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
  // The stores (SQLite, Postgres) load only when a runs command runs, not for `--help`.
  where(runs.command('list'))
    .description('list runs, newest first')
    .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print the runs as JSON')
    .action(async (options: Where & { limit: number; json?: boolean }) =>
      setExit(await (await import('./runs-action.js')).listRuns(options)),
    );
  where(runs.command('show'))
    .description("show a run's counts and undelivered rows, or export the rows")
    .argument('<run>', 'run id (from `runner runs list`)')
    .addOption(new Option('--format <format>', 'export the rejected and invalid rows').choices(['csv', 'json']))
    .option('--output <file>', 'write the export to a file instead of stdout')
    .option('--json', 'print the run record as JSON')
    .action(async (id: string, options: Where & { format?: 'csv' | 'json'; output?: string; json?: boolean }) =>
      setExit(await (await import('./runs-action.js')).showRun(id, options)),
    );
  return runs;
}
