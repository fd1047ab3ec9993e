import type pg from 'pg';
import { familyOf, type ExistingType } from './column-types.js';

/** An existing table as the system catalog describes it. */
export interface ExistingTable {
  readonly columns: ReadonlyMap<string, ExistingColumn>;
  /** Column sets of the table's unique, non-partial, expression-free indexes (primary key first). */
  readonly uniqueKeys: readonly (readonly string[])[];
}

export interface ExistingColumn extends ExistingType {
  /** `pg_type.typname` of the column (of its base type for a domain; of its elements for an array). */
  readonly typname: string;
  readonly notNull: boolean;
}

/** Tables (ordinary or partitioned) of a schema, by name. */
export async function listTables(
  client: pg.Client,
  schema: string,
  only?: readonly string[],
): Promise<Map<string, ExistingTable>> {
  const { rows: columns } = await client.query<{
    table: string;
    column: string;
    display: string;
    typname: string;
    elemname: string | null;
    notnull: boolean;
  }>(
    `SELECT c.relname::text AS table, a.attname::text AS column, format_type(a.atttypid, a.atttypmod) AS display,
            base.typname::text, elem.typname::text AS elemname, a.attnotnull AS notnull
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_type t ON t.oid = a.atttypid
       -- a domain is checked as its base type
       JOIN pg_type base ON base.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
       LEFT JOIN pg_type elem ON elem.oid = base.typelem AND base.typcategory = 'A'
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND ($2::text[] IS NULL OR c.relname = ANY($2))
      ORDER BY c.relname, a.attnum`,
    [schema, only ?? null],
  );
  const { rows: indexes } = await client.query<{ table: string; columns: string[] }>(
    `SELECT c.relname::text AS table, array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0
      WHERE n.nspname = $1 AND i.indisunique AND i.indpred IS NULL AND i.indisvalid
        AND k.ord <= i.indnkeyatts AND ($2::text[] IS NULL OR c.relname = ANY($2))
      GROUP BY c.relname, i.indexrelid, i.indisprimary
     -- an expression in the index has attnum 0 and matches no column: ON CONFLICT cannot use it
     HAVING bool_and(a.attname IS NOT NULL)
      ORDER BY c.relname, i.indisprimary DESC, i.indexrelid`,
    [schema, only ?? null],
  );
  const tables = new Map<string, { columns: Map<string, ExistingColumn>; uniqueKeys: string[][] }>();
  for (const row of columns) {
    let table = tables.get(row.table);
    if (!table) tables.set(row.table, (table = { columns: new Map(), uniqueKeys: [] }));
    table.columns.set(row.column, {
      display: row.display,
      family: familyOf(row.typname),
      element: row.elemname === null ? undefined : familyOf(row.elemname),
      typname: row.elemname ?? row.typname,
      notNull: row.notnull,
    });
  }
  for (const index of indexes) tables.get(index.table)?.uniqueKeys.push(index.columns);
  return tables;
}
