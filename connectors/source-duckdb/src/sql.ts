/** Quotes an identifier for DuckDB SQL (`"a""b"`). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal for DuckDB SQL (`'it''s'`). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A model's query without surrounding whitespace and trailing semicolons. */
export function trimQuery(sql: string): string {
  return sql.trim().replace(/[;\s]+$/, '');
}

/** A model's query as a parenthesized subquery (the newline ends a trailing `--` comment). */
export function asSubquery(sql: string): string {
  return `(${trimQuery(sql)}\n)`;
}
