import { Option } from 'commander';

/** `--connectors-dir <dir>`: a folder of connector packages searched before node_modules. */
export function connectorsDirOption(): Option {
  return new Option(
    '--connectors-dir <dir>',
    'folder of connector packages, searched before node_modules (default: $BACKFLOW_CONNECTORS)',
  );
}
