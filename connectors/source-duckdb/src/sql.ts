/** Quotes an identifier for DuckDB SQL (`"a""b"`). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal for DuckDB SQL (`'it''s'`). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A model's query without trailing semicolons, so it can be wrapped as a subquery. */
export function asSubquery(sql: string): string {
  return `(${sql.trim().replace(/[;\s]+$/, '')}\n)`;
}
