import type { Executor } from '../generated/connection.js';
import { createReporter, type Reporter } from '../report/reporter.js';
import { displaySinks } from './display-sinks.js';

/** The options `sync` and `plan` share on the command line. */
export interface RunCommandOptions {
  executor?: Executor;
  connectorsDir?: string;
  refreshConnectors?: boolean;
  fullResync?: boolean;
  stream?: string[];
  json?: boolean;
  verbose?: boolean;
}

/**
 * Runs a sync or a plan as a command: a reporter on the terminal's display or logs, SIGINT and
 * SIGTERM turned into an abort (so the run stops at a safe point and says `interrupted`), and
 * the shared options passed on only when given.
 */
export async function interruptibleRun<T>(
  options: RunCommandOptions,
  run: (shared: ReturnType<typeof sharedRunOptions> & { reporter: Reporter; signal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const reporter = createReporter(await displaySinks(options.verbose));
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await run({ reporter, signal: abort.signal, ...sharedRunOptions(options) });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function sharedRunOptions(options: RunCommandOptions) {
  return {
    ...(options.fullResync ? { fullResync: true } : {}),
    ...(options.stream ? { streams: options.stream } : {}),
    ...(options.executor ? { executor: options.executor } : {}),
    ...(options.connectorsDir ? { connectorsDir: options.connectorsDir } : {}),
    ...(options.refreshConnectors ? { refreshConnectors: true } : {}),
  };
}
