import { Command, Option } from 'commander';
import { collectStreamNames } from '../connection/select-streams.js';
import { DEFAULT_PLAN_SAMPLES } from '../sync/plan-defaults.js';
import { connectorsDirOption } from './connectors-dir-option.js';
import type { PlanCommandOptions } from './plan-action.js';
import { refreshConnectorsOption } from './refresh-connectors-option.js';

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
    .action(async (file: string, options: PlanCommandOptions) => {
      // The plan's modules load only when it runs, not for `--help` or another command.
      const { runPlanCommand } = await import('./plan-action.js');
      setExit(await runPlanCommand(file, options));
    });
}
