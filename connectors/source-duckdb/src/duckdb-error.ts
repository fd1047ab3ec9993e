/** DuckDB's own message for a failed call, trimmed (it carries the error class, e.g. "Catalog Error: ..."). */
export function duckdbMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim();
}

/** DuckDB refuses a second process writing the file while we hold it (or the reverse): retrying can help. */
export function isLockConflict(error: unknown): boolean {
  return /could not set lock|conflicting lock/i.test(duckdbMessage(error));
}
