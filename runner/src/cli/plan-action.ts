import type { Executor } from '../generated/connection.js';
import { createReporter } from '../report/reporter.js';
import { plan, type PlanSummary } from '../sync/plan-sync.js';
import { describeChange } from '../sync/target-changes.js';
import { displaySinks } from './display-sinks.js';

export interface PlanCommandOptions {
  executor?: Executor;
  connectorsDir?: string;
  refreshConnectors?: boolean;
  fullResync?: boolean;
  stream?: string[];
  samples: number;
  json?: boolean;
  verbose?: boolean;
}

/** Runs `runner plan <file>` and prints the plan; returns the exit code. */
export async function runPlanCommand(file: string, options: PlanCommandOptions): Promise<number> {
  const reporter = createReporter(await displaySinks(options.verbose));
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
    return summary.exitCode;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
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
