import { ConfigError } from '@backflow/protocol/connector';

/** Postgres truncates longer identifiers silently, which could make two names collide. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * `name` as a quoted SQL identifier: any text, quotes doubled, so a column named
 * `a"; drop table x; --` is just a strange column name.
 */
export function ident(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new ConfigError(`"${name}" cannot be a Postgres identifier`);
  if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    throw new ConfigError(`"${name}" is longer than Postgres' ${MAX_IDENTIFIER_BYTES}-byte limit for names`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`. */
export function qualified(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)}`;
}
