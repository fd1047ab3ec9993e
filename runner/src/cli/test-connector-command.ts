import { Command, Option } from 'commander';
import type { TestConnectorOptions } from './test-connector-action.js';

const HELP = `
Checks, one line each with the reason: spec (valid JSON Schema, secrets marked, official
message schema), check (succeeds with --config, fails cleanly on broken configs), discover
(valid catalog and schemas), read (configured streams only, records valid, every state
resumes exactly) or write (empty input, states echoed in order, a bad record rejected alone),
and over every command: nothing on stdout but protocol messages, no secret printed.

Exit codes: 0 every check passed (some may be skipped), 1 a check failed, 2 invalid usage.

Examples:
  runner test-connector source-postgres --config pg.json
  runner test-connector ./connectors/destination-acme --config acme.json --json
  runner test-connector --image backflow/source-duckdb:0.1.0 --config duck.json
  runner test-connector --command "python main.py" --config secrets/config.json`;

/** `runner test-connector <connector>`: the acceptance checks, as text lines or JSON. */
export function testConnectorCommand(setExit: (code: number) => void) {
  return new Command('test-connector')
    .description('run the acceptance checks against a connector (ours or any Airbyte-protocol connector)')
    .argument(
      '[connector]',
      'a connector package in connectors/ (source-postgres) or a package folder (./my-connector)',
    )
    .option('--image <image>', 'test a Docker image instead')
    .option('--command <command>', 'test a local program that speaks the Airbyte protocol')
    .addOption(
      new Option('--executor <executor>', 'how to run a connector package')
        .choices(['process', 'docker'])
        .default('process'),
    )
    .option('--config <file>', 'a working connector config (JSON or YAML)')
    .option('--catalog <file>', 'the configured catalog to read or write (default: derived from discover)')
    .option('--timeout <seconds>', 'longest one connector command may run', '300')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', HELP)
    .action(async (connector: string | undefined, options: TestConnectorOptions) => {
      // The acceptance suite loads only when it runs, not for `--help` or another command.
      const { runTestConnector } = await import('./test-connector-action.js');
      setExit(await runTestConnector(connector, options));
    });
}
