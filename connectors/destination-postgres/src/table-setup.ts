import type pg from 'pg';
import type { ConfiguredAirbyteStream } from '@backflow/protocol';
import { ConfigError, streamKey } from '@backflow/protocol/connector';
import type { StreamPlan } from './behaviour.js';
import { columnTypeFor, isCompatible, sqlType, type ColumnType } from './column-types.js';
import { fieldEncoderFor, rawFormOf, type FieldEncoder, type RawForm } from './copy-text.js';
import { ident, qualified } from './sql.js';
import { listTables, type ExistingTable } from './table-catalog.js';

/** A stream field and how its values are written into its column. */
export interface TargetColumn {
  readonly name: string;
  readonly encode: FieldEncoder;
  /** How a JSON token's own text can be its field (see rawFormOf). */
  readonly raw: RawForm;
}

/** A stream's target table, ready to be written. */
export interface TargetTable {
  /** `"schema"."table"`, for SQL and messages. */
  readonly name: string;
  readonly columns: readonly TargetColumn[];
  readonly keys: readonly string[];
}

/**
 * Behaviours whose statements use `ON CONFLICT (keys)`, which needs a unique index on exactly
 * those columns (an unkeyed `insert` appends, so it needs none).
 */
const NEEDS_UNIQUE_KEY = new Set(['upsert', 'mirror', 'insert']);

/**
 * Creates the stream's table from its JSON Schema when missing (keyed behaviours get a
 * primary key on the matching keys), or checks that the existing one has every column with a
 * compatible type and, for upsert/mirror/insert, a unique index on the keys.
 */
export async function prepareTable(
  client: pg.Client,
  schema: string,
  configured: ConfiguredAirbyteStream,
  plan: StreamPlan,
): Promise<TargetTable> {
  const stream = streamKey(configured.stream);
  const table = configured.destination_object_name ?? configured.stream.name;
  const name = qualified(schema, table);
  const properties = (configured.stream.json_schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const needed = new Map(
    Object.entries(properties).map(([column, fieldSchema]) => [column, columnTypeFor(fieldSchema)]),
  );
  if (needed.size === 0)
    throw new ConfigError(
      `stream "${stream}": its json_schema has no properties, so table ${name} would have no columns`,
    );
  for (const key of plan.keys) {
    if (!needed.has(key))
      throw new ConfigError(`stream "${stream}": matching key "${key}" is not a field of the stream's schema`);
  }
  for (const column of needed.keys()) ident(column);

  let existing = (await listTables(client, schema, [table])).get(table);
  if (!existing) {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
    await client.query(createTableSql(name, needed, plan.keys));
    existing = (await listTables(client, schema, [table])).get(table)!;
  }
  checkColumns(name, stream, needed, existing);
  if (NEEDS_UNIQUE_KEY.has(plan.behaviour) && plan.keys.length > 0 && !hasUniqueKey(existing, plan.keys)) {
    const keys = plan.keys.map(ident).join(', ');
    throw new ConfigError(
      `table ${name} has no unique index on (${keys}), which behaviour "${plan.behaviour}" of stream "${stream}" needs to match rows; ` +
        `create one: CREATE UNIQUE INDEX ON ${name} (${keys})`,
    );
  }
  const columns = [...needed].map(([column, type]) => {
    const found = existing.columns.get(column)!;
    const binary = type.kind === 'bytea';
    return {
      name: column,
      encode: fieldEncoderFor(found.family, found.element, binary),
      raw: rawFormOf(found.family, found.element, binary, found.display),
    };
  });
  return { name, columns, keys: plan.keys };
}

function createTableSql(name: string, columns: ReadonlyMap<string, ColumnType>, keys: readonly string[]): string {
  const definitions = [...columns].map(([column, type]) => `${ident(column)} ${sqlType(type)}`);
  if (keys.length > 0) definitions.push(`PRIMARY KEY (${keys.map(ident).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${name} (${definitions.join(', ')})`;
}

function checkColumns(
  name: string,
  stream: string,
  needed: ReadonlyMap<string, ColumnType>,
  existing: ExistingTable,
): void {
  const missing: string[] = [];
  const conflicts: string[] = [];
  for (const [column, type] of needed) {
    const found = existing.columns.get(column);
    if (!found) missing.push(`${ident(column)} ${sqlType(type)}`);
    else if (!isCompatible(type, found))
      conflicts.push(`${ident(column)} is ${found.display} but the stream sends ${sqlType(type)} values`);
  }
  if (missing.length === 0 && conflicts.length === 0) return;
  const problems = [
    ...(missing.length ? [`missing columns ${missing.join(', ')}`] : []),
    ...(conflicts.length ? [`type conflicts: ${conflicts.join('; ')}`] : []),
  ];
  throw new ConfigError(`table ${name} does not fit stream "${stream}": ${problems.join('; ')}`);
}

function hasUniqueKey(table: ExistingTable, keys: readonly string[]): boolean {
  const wanted = [...keys].sort().join('\0');
  return table.uniqueKeys.some((columns) => [...columns].sort().join('\0') === wanted);
}
