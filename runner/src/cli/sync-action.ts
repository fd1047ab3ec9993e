import { keepContainersWarm, type EarlyStart } from '../launchers/index.js';
import { formatDuration } from '../serve/duration.js';
import { sync } from '../sync/run-sync.js';
import { formatSummary } from './format-summary.js';
import { interruptibleRun, type RunCommandOptions } from './interruptible-run.js';

export interface SyncCommandOptions extends RunCommandOptions {
  /** `--keep-warm`, in milliseconds. */
  keepWarm?: number;
}

/**
 * Runs `runner sync <file>` with a live display or logs, prints the summary; returns the exit
 * code. `early`: the containers bin/runner.js started for it before the runner loaded.
 */
export async function runSyncCommand(file: string, options: SyncCommandOptions, early?: EarlyStart): Promise<number> {
  return interruptibleRun(options, async (shared) => {
    const summary = await sync(file, { ...shared, ...(early ? { early } : {}) });
    if (options.json) process.stdout.write(JSON.stringify(summary) + '\n');
    else process.stdout.write(formatSummary(summary));
    if (options.keepWarm !== undefined && summary.status === 'succeeded') {
      const kept = summary.executor === 'docker' ? await keepContainersWarm(early, options.keepWarm) : [];
      shared.reporter.log(
        'runner',
        kept.length > 0 ? 'info' : 'warn',
        kept.length > 0
          ? `kept warm for ${formatDuration(options.keepWarm)}: ${kept.join(', ')}`
          : summary.executor !== 'docker'
            ? '--keep-warm: nothing kept warm, the connectors ran as processes'
            : '--keep-warm: nothing kept warm, no image of this sync can wait for its run (label io.backflow.args-wait)',
      );
    }
    return summary.exitCode;
  });
}
