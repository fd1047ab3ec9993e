import { createRequire } from 'node:module';
import { Command } from 'commander';
import { EXIT_CODES } from '../errors.js';
import type { EarlyStart } from '../launchers/index.js';
import { connectorCommand } from './connector-command.js';
import { newCommand } from './new-command.js';
import { planCommand } from './plan-command.js';
import { runsCommand } from './runs-command.js';
import { serveCommand } from './serve-command.js';
import { syncCommand } from './sync-command.js';
import { testConnectorCommand } from './test-connector-command.js';

const EXIT_HELP = `
Exit codes:
  0    success
  1    the sync or command failed (a connector crashed, hung, or broke the protocol)
  2    invalid usage or configuration; nothing was started
  3    the sync finished but the destination rejected some records (with or without invalid rows)
  4    the sync finished but some rows were invalid (schema, duplicate or missing key) and not sent
  5    a connector refused its credentials (a config error about auth, a password, a token or a key)
  6    another run of the connection holds its lock (already running)
  130  interrupted by SIGINT/SIGTERM; state is kept at the last commit`;

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * Runs the `runner` command line (`argv` as in `process.argv`) and returns the exit code;
 * `early`: the containers bin/runner.js started for it before the runner loaded.
 */
export async function main(argv: readonly string[], early?: EarlyStart): Promise<number> {
  let exitCode: number = EXIT_CODES.success;
  const setExit = (code: number) => (exitCode = code);
  const program = new Command('runner')
    .description('Backflow: sync modeled warehouse data into business tools over the Airbyte protocol')
    .version(version, '-V, --version', "print the runner's version")
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .showHelpAfterError();
  program.addCommand(connectorCommand('spec', "print a connector's specification", setExit));
  program.addCommand(connectorCommand('check', "check a connector's config and connection", setExit));
  program.addCommand(
    connectorCommand('discover', 'list the streams (sources) or objects (destinations) a connector offers', setExit),
  );
  program.addCommand(syncCommand(setExit, early));
  program.addCommand(planCommand(setExit));
  program.addCommand(runsCommand(setExit));
  program.addCommand(serveCommand(setExit));
  program.addCommand(testConnectorCommand(setExit));
  program.addCommand(newCommand(setExit));
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  if (argv.length <= 2) {
    // A bare `runner` (a cron line missing its arguments) is a usage error, not a success.
    program.outputHelp({ error: true });
    return EXIT_CODES.invalid;
  }
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help')
      return EXIT_CODES.success;
    return EXIT_CODES.invalid;
  }
  return exitCode;
}
