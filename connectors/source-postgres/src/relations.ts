import type { ClientBase } from 'pg';
import { ConfigError } from '@backflow/protocol/connector';
import { qualifiedName } from './sql.js';

/** A table, view, materialized view or foreign table the connector may read. */
export interface Relation {
  readonly schema: string;
  readonly name: string;
  /** Columns the role may SELECT, in table order. */
  readonly columns: readonly { readonly name: string; readonly typeOid: number; readonly notNull: boolean }[];
  readonly primaryKey: readonly string[] | undefined;
  readonly schemaUsage: boolean;
}

interface RelationRow {
  schema: string;
  name: string;
  schema_usage: string;
  columns: string;
  primary_key: string | null;
}

// Partitions are left out: their parent already returns their rows.
const RELATIONS_QUERY = `
SELECT n.nspname AS schema, c.relname AS name,
       has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
       coalesce(json_agg(json_build_object('name', a.attname, 'typeOid', a.atttypid, 'notNull', a.attnotnull)
                         ORDER BY a.attnum) FILTER (WHERE a.attnum IS NOT NULL), '[]') AS columns,
       (SELECT json_agg(pa.attname ORDER BY k.ord)
          FROM pg_catalog.pg_index i
          CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_catalog.pg_attribute pa ON pa.attrelid = i.indrelid AND pa.attnum = k.attnum
         WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a
  ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND has_column_privilege(c.oid, a.attnum, 'SELECT')
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition
GROUP BY n.oid, n.nspname, c.oid, c.relname
ORDER BY n.nspname, c.relname`;

/** Every table-like relation of `schemas`, with the columns the role can read. */
export async function listRelations(client: ClientBase, schemas: readonly string[]): Promise<Relation[]> {
  const result = await client.query<RelationRow>(RELATIONS_QUERY, [schemas]);
  return result.rows.map((row) => ({
    schema: row.schema,
    name: row.name,
    schemaUsage: row.schema_usage === 't',
    columns: (JSON.parse(row.columns) as { name: string; typeOid: number; notNull: boolean }[]).map((column) => ({
      ...column,
      typeOid: Number(column.typeOid),
    })),
    primaryKey: row.primary_key === null ? undefined : (JSON.parse(row.primary_key) as string[]),
  }));
}

/** Fails with a ConfigError naming the first of `schemas` that does not exist or cannot be used. */
export async function checkSchemas(client: ClientBase, schemas: readonly string[], database: string): Promise<void> {
  const result = await client.query<{ nspname: string; usage: string }>(
    `SELECT nspname, has_schema_privilege(oid, 'USAGE') AS usage FROM pg_catalog.pg_namespace WHERE nspname = ANY($1)`,
    [schemas],
  );
  const found = new Map(result.rows.map((row) => [row.nspname, row.usage === 't']));
  for (const schema of schemas) {
    if (!found.has(schema)) throw new ConfigError(`schema "${schema}" does not exist in database "${database}"`);
    if (!found.get(schema))
      throw new ConfigError(`permission denied for schema "${schema}" (the role needs USAGE on it)`);
  }
}

/** A `tables` entry: `name` (looked up in every configured schema) or `schema.name`. */
export function parseTableEntry(entry: string): { schema: string | undefined; name: string } {
  const dot = entry.indexOf('.');
  return dot < 0 ? { schema: undefined, name: entry } : { schema: entry.slice(0, dot), name: entry.slice(dot + 1) };
}

/** The schemas to look in: the configured ones plus those named by `schema.name` entries. */
export function schemasToList(schemas: readonly string[], tables: readonly string[] | undefined): string[] {
  const all = new Set(schemas);
  for (const entry of tables ?? []) {
    const { schema } = parseTableEntry(entry);
    if (schema) all.add(schema);
  }
  return [...all];
}

/**
 * The relations to expose as streams. Without a `tables` list: every readable one (the
 * others are returned as `skipped`). With one: exactly those, and a ConfigError naming the
 * first that is missing or unreadable.
 */
export function selectRelations(
  relations: readonly Relation[],
  schemas: readonly string[],
  tables: readonly string[] | undefined,
  username: string,
): { selected: Relation[]; skipped: string[] } {
  if (tables === undefined) {
    const inScope = relations.filter((relation) => schemas.includes(relation.schema));
    const readable = (relation: Relation) => relation.schemaUsage && relation.columns.length > 0;
    return {
      selected: inScope.filter(readable),
      skipped: inScope.filter((relation) => !readable(relation)).map((r) => qualifiedName(r.schema, r.name)),
    };
  }
  const selected: Relation[] = [];
  for (const entry of tables) {
    const { schema, name } = parseTableEntry(entry);
    const lookIn = schema ? [schema] : schemas;
    const matches = relations.filter((r) => r.name === name && lookIn.includes(r.schema));
    if (matches.length === 0) {
      throw new ConfigError(
        `table "${entry}" does not exist in schema${lookIn.length > 1 ? 's' : ''} ${lookIn.map((s) => `"${s}"`).join(', ')}`,
      );
    }
    for (const relation of matches) {
      const label = qualifiedName(relation.schema, relation.name);
      if (!relation.schemaUsage) {
        throw new ConfigError(
          `permission denied for schema "${relation.schema}" (needed to read table ${label}; grant USAGE to "${username}")`,
        );
      }
      if (relation.columns.length === 0) {
        throw new ConfigError(`permission denied for table ${label}: role "${username}" has no SELECT privilege on it`);
      }
      if (!selected.includes(relation)) selected.push(relation);
    }
  }
  return { selected, skipped: [] };
}
