import { Command, InvalidArgumentError, Option } from 'commander';
import { collectStreamNames } from '../connection/select-streams.js';
import { connectorsDirOption } from './connectors-dir-option.js';
import { refreshConnectorsOption } from './refresh-connectors-option.js';
import type { EarlyStart } from '../launchers/index.js';
import { parseDuration } from '../serve/duration.js';
import type { SyncCommandOptions } from './sync-action.js';

/** The longest `--keep-warm`: an idle container holds its memory all that time. */
const KEEP_WARM_MAX_MS = 24 * 3_600_000;

function parseKeepWarm(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  if (ms > KEEP_WARM_MAX_MS) throw new InvalidArgumentError(`"${text}" is longer than the longest wait, 24h`);
  return ms;
}

/** `runner sync <connection.yaml>`: runs a sync with a live display, logs and a final summary. */
export function syncCommand(setExit: (code: number) => void, early?: EarlyStart) {
  return new Command('sync')
    .description('sync a connection: read the source, write the destination, checkpoint state')
    .argument('<connection>', 'connection file (YAML)')
    .addOption(
      new Option('--executor <executor>', 'run connectors as local processes or Docker containers').choices([
        'process',
        'docker',
      ]),
    )
    .option(
      '--full-resync',
      'send every row whatever was delivered before, rebuild the fingerprints and reset source states',
    )
    .addOption(connectorsDirOption())
    .addOption(refreshConnectorsOption())
    .option('--stream <names>', 'only these streams, by name (comma-separated or repeated)', collectStreamNames)
    .option(
      '--keep-warm <duration>',
      "after a Docker sync, start its connectors' containers again to wait this long (30s, 15m, 2h) for the next run of this same command, which then skips their start-up",
      parseKeepWarm,
    )
    .option('--json', 'print one machine-readable summary object on stdout')
    .option('--verbose', 'show debug logs from connectors')
    .action(async (file: string, options: SyncCommandOptions) => {
      // The sync's modules load only when it runs, not for `--help` or another command.
      const { runSyncCommand } = await import('./sync-action.js');
      setExit(await runSyncCommand(file, options, early));
    });
}
