import { Option } from 'commander';

/** `--refresh-connectors`: run `spec` and `discover` again rather than use the connector cache. */
export function refreshConnectorsOption(): Option {
  return new Option(
    '--refresh-connectors',
    'ask the connectors for their spec and catalog again instead of using the cache ($BACKFLOW_CACHE_DIR)',
  );
}
