/** Quotes an identifier for Postgres, so any table, schema or column name is safe in SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quotes a string as a Postgres literal, whatever `standard_conforming_strings` says: a value
 * holding a backslash becomes an escape string (`E'…'`) with backslashes doubled.
 */
export function quoteLiteral(value: string): string {
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** `"schema"."name"`. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** A model's SQL without the trailing semicolons and blanks that would break wrapping it in a subquery. */
export function trimModelSql(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/** `(<model sql>)`, usable where a table name would be once given an alias. The newline ends a trailing `--` comment. */
export function modelRelation(sql: string): string {
  return `(\n${trimModelSql(sql)}\n)`;
}
