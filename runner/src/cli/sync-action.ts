import type { Executor } from '../generated/connection.js';
import { createReporter } from '../report/reporter.js';
import { sync } from '../sync/run-sync.js';
import { displaySinks } from './display-sinks.js';
import { formatSummary } from './format-summary.js';

export interface SyncCommandOptions {
  executor?: Executor;
  connectorsDir?: string;
  refreshConnectors?: boolean;
  fullResync?: boolean;
  stream?: string[];
  json?: boolean;
  verbose?: boolean;
}

/** Runs `runner sync <file>` with a live display or logs, prints the summary; returns the exit code. */
export async function runSyncCommand(file: string, options: SyncCommandOptions): Promise<number> {
  const reporter = createReporter(await displaySinks(options.verbose));
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
    return summary.exitCode;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
