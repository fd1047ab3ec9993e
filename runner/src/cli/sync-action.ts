import { sync } from '../sync/run-sync.js';
import { formatSummary } from './format-summary.js';
import { interruptibleRun, type RunCommandOptions } from './interruptible-run.js';

export type SyncCommandOptions = RunCommandOptions;

/** Runs `runner sync <file>` with a live display or logs, prints the summary; returns the exit code. */
export async function runSyncCommand(file: string, options: SyncCommandOptions): Promise<number> {
  return interruptibleRun(options, async (shared) => {
    const summary = await sync(file, shared);
    if (options.json) process.stdout.write(JSON.stringify(summary) + '\n');
    else process.stdout.write(formatSummary(summary));
    return summary.exitCode;
  });
}
