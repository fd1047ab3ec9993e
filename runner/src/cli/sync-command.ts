import { connectorsDirOption } from './connectors-dir-option.js';
import { refreshConnectorsOption } from './refresh-connectors-option.js';
import { collectStreamNames } from '../connection/select-streams.js';
import { Command, Option } from 'commander';
import type { Executor } from '../generated/connection.js';
import { createReporter, type EventSink } from '../report/reporter.js';
import { formatSummary } from './format-summary.js';
import { jsonLogSink } from '../report/json-log-sink.js';
import { terminalSink } from '../report/terminal-sink.js';
import { sync } from '../sync/run-sync.js';

/** `runner sync <connection.yaml>`: runs a sync with a live display, logs and a final summary. */
export function syncCommand(setExit: (code: number) => void) {
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
    .option('--json', 'print one machine-readable summary object on stdout')
    .option('--verbose', 'show debug logs from connectors')
    .action(
      async (
        file: string,
        options: {
          executor?: Executor;
          connectorsDir?: string;
          refreshConnectors?: boolean;
          fullResync?: boolean;
          stream?: string[];
          json?: boolean;
          verbose?: boolean;
        },
      ) => {
        const sinks: EventSink[] = [
          process.stderr.isTTY ? terminalSink({ verbose: options.verbose ?? false }) : jsonLogSink(process.stderr),
        ];
        const reporter = createReporter(sinks);
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          const summary = await sync(file, {
            reporter,
            signal: abort.signal,
            ...(options.fullResync ? { fullResync: true } : {}),
            ...(options.stream ? { streams: options.stream } : {}),
            ...(options.executor ? { executor: options.executor } : {}),
            ...(options.connectorsDir ? { connectorsDir: options.connectorsDir } : {}),
            ...(options.refreshConnectors ? { refreshConnectors: true } : {}),
          });
          if (options.json) process.stdout.write(JSON.stringify(summary) + '\n');
          else process.stdout.write(formatSummary(summary));
          setExit(summary.exitCode);
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      },
    );
}
