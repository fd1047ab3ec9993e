import { behaviourOf, matchingKeyPaths, type ConfiguredAirbyteStream, type SyncBehaviour } from '@backflow/protocol';
import { ConfigError, streamKey } from '@backflow/protocol/connector';
import { columnKindOf, type ColumnKind } from './cell-value.js';

/** How one configured stream is written to its sheet. */
export interface StreamPlan {
  readonly stream: string;
  /** The sheet (tab) title: `destination_object_name`, else the stream's name. */
  readonly sheet: string;
  readonly behaviour: SyncBehaviour;
  /** The header, left to right: the stream's (mapped) fields in order. */
  readonly columns: readonly string[];
  readonly kinds: readonly ColumnKind[];
  /** Positions of the key columns in `columns`; empty for insert and append. */
  readonly keyColumns: readonly number[];
}

/** Sheets' limit on a sheet title. */
const MAX_TITLE_LENGTH = 100;

/**
 * The plan for a configured stream, refusing at `open()` what a sheet cannot hold: a stream
 * without fields, keys that are not top-level columns, titles Sheets refuses. Every
 * behaviour is supported: upsert/update/mirror find rows by the key columns, insert and
 * append add rows.
 */
export function planStream(configured: ConfiguredAirbyteStream): StreamPlan {
  const stream = streamKey(configured.stream);
  const behaviour = behaviourOf(configured);
  if (!behaviour) {
    throw new ConfigError(
      `stream "${stream}": destination_sync_mode "${configured.destination_sync_mode}" is not supported (use upsert, update, insert, mirror or append)`,
    );
  }
  const properties = (configured.stream.json_schema as { properties?: Record<string, unknown> }).properties ?? {};
  const columns = Object.keys(properties);
  if (columns.length === 0) {
    throw new ConfigError(`stream "${stream}": its schema has no fields, so there is no header row to write`);
  }
  const sheet = configured.destination_object_name ?? configured.stream.name;
  if (sheet.length > MAX_TITLE_LENGTH || [...sheet].some((char) => char < ' ') || sheet.trim() === '') {
    throw new ConfigError(
      `stream "${stream}": "${sheet}" cannot be a sheet title (1 to ${MAX_TITLE_LENGTH} printable characters)`,
    );
  }
  const keyed = behaviour === 'upsert' || behaviour === 'update' || behaviour === 'mirror';
  const keyPaths = keyed ? matchingKeyPaths(configured) : [];
  if (keyed && keyPaths.length === 0) {
    throw new ConfigError(
      `stream "${stream}": ${behaviour} needs a primary key or matching_keys to find each record's row`,
    );
  }
  const keyColumns = keyPaths.map((path) => {
    const index = path.length === 1 ? columns.indexOf(path[0]!) : -1;
    if (index < 0) {
      throw new ConfigError(
        `stream "${stream}": key "${path.join('.')}" must be one of the sheet's columns (${columns.join(', ')}) to find rows by it`,
      );
    }
    return index;
  });
  return { stream, sheet, behaviour, columns, kinds: columns.map((c) => columnKindOf(properties[c])), keyColumns };
}
