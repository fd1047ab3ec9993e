import type { ClientBase } from 'pg';

/** A result column as Postgres describes it. */
export interface Field {
  readonly name: string;
  readonly typeOid: number;
}

/**
 * The columns `selectSql` returns, without running it: `LIMIT 0` lets Postgres plan the
 * query and stop before reading a row.
 */
export async function describeSelect(client: ClientBase, selectSql: string): Promise<Field[]> {
  const result = await client.query({ text: `${selectSql} LIMIT 0`, rowMode: 'array' });
  return result.fields.map((field) => ({ name: field.name, typeOid: field.dataTypeID }));
}
