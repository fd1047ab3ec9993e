import type { ClientBase } from 'pg';
import { qualifiedName } from './sql.js';

/**
 * A column type as far as reading it needs: domains are unwrapped to the type they are
 * built on (`base`), arrays carry their element type.
 */
export type PgType =
  | {
      readonly kind: 'scalar';
      readonly oid: number;
      readonly sqlName: string;
      readonly base: number;
      readonly isEnum: boolean;
    }
  | {
      readonly kind: 'array';
      readonly oid: number;
      readonly sqlName: string;
      readonly element: PgType;
      readonly delimiter: string;
    };

interface TypeRow {
  oid: number;
  nspname: string;
  typname: string;
  typtype: string;
  typcategory: string;
  typelem: number;
  typbasetype: number;
  typdelim: string;
}

// int2vector and oidvector have an element type but print space-separated, not as `{…}`.
const VECTOR_TYPES = new Set([22, 30]);

const isArray = (row: TypeRow) => row.typcategory === 'A' && row.typelem !== 0 && !VECTOR_TYPES.has(row.oid);

// Follows domains to their base type and arrays to their element type, all in one round trip.
const TYPE_QUERY = `
WITH RECURSIVE wanted(oid) AS (
  SELECT unnest($1::oid[])
  UNION
  SELECT CASE WHEN p.typtype = 'd' THEN p.typbasetype ELSE p.typelem END
  FROM pg_catalog.pg_type p JOIN wanted ON p.oid = wanted.oid
  WHERE p.typtype = 'd' OR (p.typcategory = 'A' AND p.typelem <> 0)
)
SELECT p.oid::int AS oid, n.nspname, p.typname, p.typtype::text AS typtype, p.typcategory::text AS typcategory,
       p.typelem::int AS typelem, p.typbasetype::int AS typbasetype, p.typdelim::text AS typdelim
FROM pg_catalog.pg_type p
JOIN pg_catalog.pg_namespace n ON n.oid = p.typnamespace
JOIN wanted ON wanted.oid = p.oid`;

/** Looks up the given type OIDs (and the types they are built on) in `pg_type`. */
export async function resolveTypes(client: ClientBase, oids: Iterable<number>): Promise<Map<number, PgType>> {
  const wanted = [...new Set(oids)];
  const rows = new Map<number, TypeRow>();
  if (wanted.length > 0) {
    const result = await client.query<TypeRow>(TYPE_QUERY, [wanted]);
    for (const row of result.rows) rows.set(Number(row.oid), normalize(row));
  }
  const types = new Map<number, PgType>();
  const build = (oid: number): PgType => {
    const known = types.get(oid);
    if (known) return known;
    const row = rows.get(oid);
    let type: PgType;
    if (!row) {
      type = { kind: 'scalar', oid, sqlName: 'text', base: oid, isEnum: false };
    } else if (row.typtype === 'd') {
      const base = build(row.typbasetype);
      type = { ...base, oid, sqlName: qualifiedName(row.nspname, row.typname) };
    } else if (isArray(row)) {
      type = {
        kind: 'array',
        oid,
        sqlName: qualifiedName(row.nspname, row.typname),
        element: build(row.typelem),
        delimiter: rows.get(row.typelem)?.typdelim ?? ',',
      };
    } else {
      type = {
        kind: 'scalar',
        oid,
        sqlName: qualifiedName(row.nspname, row.typname),
        base: oid,
        isEnum: row.typtype === 'e',
      };
    }
    types.set(oid, type);
    return type;
  };
  for (const oid of wanted) build(oid);
  return types;
}

// Numeric columns come back as strings because every type parser returns raw text.
function normalize(row: TypeRow): TypeRow {
  return { ...row, oid: Number(row.oid), typelem: Number(row.typelem), typbasetype: Number(row.typbasetype) };
}
