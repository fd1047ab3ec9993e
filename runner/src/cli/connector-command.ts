import { Command, Option } from 'commander';
import type { ConnectorOptions } from './connector-action.js';
import { connectorsDirOption } from './connectors-dir-option.js';
import { refreshConnectorsOption } from './refresh-connectors-option.js';

/** `runner spec|check|discover <connector>`: one connector command, printed readably or as JSON. */
export function connectorCommand(
  name: 'spec' | 'check' | 'discover',
  description: string,
  setExit: (code: number) => void,
) {
  const command = new Command(name)
    .description(description)
    .argument(
      '[connector]',
      name === 'check'
        ? 'a connector package (installed, or in --connectors-dir), or a connection file (.yaml) to check both its ends'
        : 'a connector package (installed, or in --connectors-dir), e.g. source-postgres',
    )
    .option('--image <image>', 'run a Docker image instead, e.g. backflow/destination-postgres:0.1.0')
    .option('--command <command>', 'run a local program that speaks the Airbyte protocol, e.g. "node main.js"')
    .addOption(
      new Option('--executor <executor>', 'how to run a connector package')
        .choices(['process', 'docker'])
        .default('process'),
    )
    .addOption(connectorsDirOption())
    .option('--json', 'print the result as JSON');
  if (name === 'discover') command.requiredOption('--config <file>', 'the connector config (JSON or YAML)');
  if (name === 'check') {
    command
      .option('--config <file>', 'the connector config (JSON or YAML)')
      .addOption(refreshConnectorsOption())
      .addHelpText(
        'after',
        "\n`runner check conn.yaml` checks a whole connection without reading rows: both configs against\ntheir specs, both connections, the streams and their primary keys, and the mapping against\nthe destination's fields.",
      );
  }
  return command.action(async (connector: string | undefined, options: ConnectorOptions) => {
    // The connector's modules load only when the command runs, not for `--help` or another command.
    const { runConnectorCommand } = await import('./connector-action.js');
    setExit(await runConnectorCommand(name, connector, options));
  });
}
