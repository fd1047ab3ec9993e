import { ConfigurationError } from '../errors.js';
import type { LoadedConnection } from './load-connection.js';

/**
 * The connection with only the named streams (`--stream a,b`), in the file's order. A name
 * the file does not list is a configuration error naming the ones it does; the other streams'
 * state and fingerprints are left as they are.
 */
export function selectStreams(connection: LoadedConnection, names: readonly string[] | undefined): LoadedConnection {
  if (names === undefined || names.length === 0) return connection;
  const listed = connection.streams.map((stream) => stream.name);
  const unknown = names.filter((name) => !listed.includes(name));
  if (unknown.length > 0)
    throw new ConfigurationError(
      `${connection.file} lists no stream ${unknown.map((n) => `"${n}"`).join(', ')} (it lists: ${listed.join(', ')})`,
    );
  return { ...connection, streams: connection.streams.filter((stream) => names.includes(stream.name)) };
}

/** `--stream a,b --stream c` as a list of names. */
export function collectStreamNames(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  ];
}
