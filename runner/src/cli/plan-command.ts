import { connectorsDirOption } from './connectors-dir-option.js';
import { refreshConnectorsOption } from './refresh-connectors-option.js';
import { collectStreamNames } from '../connection/select-streams.js';
import { Command, Option } from 'commander';
import type { Executor } from '../generated/connection.js';
import { createReporter, type EventSink } from '../report/reporter.js';
import { jsonLogSink } from '../report/json-log-sink.js';
import { terminalSink } from '../report/terminal-sink.js';
import { plan, DEFAULT_PLAN_SAMPLES, type PlanSummary } from '../sync/plan-sync.js';
import { describeChange } from '../sync/target-changes.js';

/** `runner plan <connection.yaml>`: what a sync would do now, without doing it. */
export function planCommand(setExit: (code: number) => void) {
  return new Command('plan')
    .description(
      'dry run: read the source, diff it, and print what a sync would create, update and delete (nothing is written)',
    )
    .argument('<connection>', 'connection file (YAML)')
    .addOption(
      new Option('--executor <executor>', 'run connectors as local processes or Docker containers').choices([
        'process',
        'docker',
      ]),
    )
    .option('--full-resync', 'plan a full resync (every row sent)')
    .option('--samples <n>', 'rows shown per kind of change', (v) => Number.parseInt(v, 10), DEFAULT_PLAN_SAMPLES)
    .addOption(connectorsDirOption())
    .addOption(refreshConnectorsOption())
    .option('--stream <names>', 'only these streams, by name (comma-separated or repeated)', collectStreamNames)
    .option('--json', 'print the plan as one JSON object on stdout')
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
          samples: number;
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
          const summary = await plan(file, {
            reporter,
            signal: abort.signal,
            samples: options.samples,
            ...(options.fullResync ? { fullResync: true } : {}),
            ...(options.stream ? { streams: options.stream } : {}),
            ...(options.executor ? { executor: options.executor } : {}),
            ...(options.connectorsDir ? { connectorsDir: options.connectorsDir } : {}),
            ...(options.refreshConnectors ? { refreshConnectors: true } : {}),
          });
          reporter.emit({ type: 'finished', status: summary.status, durationMs: 0 });
          process.stdout.write(options.json ? JSON.stringify(summary) + '\n' : formatPlan(summary));
          setExit(summary.exitCode);
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      },
    );
}

function formatPlan(summary: PlanSummary): string {
  const out = [`plan ${summary.connection}: ${summary.status}`];
  for (const [stream, p] of Object.entries(summary.streams)) {
    const c = p.counts;
    out.push(
      '',
      `${stream} (${p.behaviour}): ${p.creates} to create, ${p.updates} to update, ${p.deletes} to delete`,
      ...(p.targetChanged ? [`  ${describeChange(p.targetChanged)}`] : []),
      `  read ${c.read}: ${c.added} added, ${c.changed} changed, ${c.unchanged} unchanged, ${c.removed} removed, ${c.invalid} invalid` +
        (p.stillRejected > 0 ? `; ${p.stillRejected} still refused by the destination (not resent)` : ''),
    );
    for (const kind of ['creates', 'updates', 'deletes', 'invalid'] as const) {
      for (const row of p.samples[kind]) {
        out.push(`  ${kind.padEnd(7)} ${JSON.stringify(row.key)} ${row.reason ?? JSON.stringify(row.data)}`);
      }
    }
  }
  if (summary.error) out.push('', `error: ${summary.error.message}`);
  return out.join('\n') + '\n';
}
