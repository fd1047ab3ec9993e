/** One CSV field: text, or `null` for an empty unquoted field. */
export type Cell = string | null;

/** Turns rows into the text of a file, in order; `start` and `end` frame the whole file. */
export interface RowEncoder<Row> {
  start(): string;
  rows(rows: readonly Row[]): string;
  end(): string;
}

/**
 * A file format seen as a sequence of rows: how a record becomes a row, how a row is
 * identified by its matching key, how an existing file is read back and a new one written.
 */
export interface RowFormat<Row> {
  /** Extension substituted for `{ext}` in file name patterns. */
  readonly extension: string;
  fromRecord(data: Readonly<Record<string, unknown>>): Row;
  /** The row's matching key as comparable text, or undefined when a key field is empty. */
  keyOf(row: Row, keyPaths: readonly (readonly string[])[]): string | undefined;
  /** The rows of an existing file, streamed, in this stream's current layout. */
  read(path: string): AsyncIterable<Row>;
  encoder(): RowEncoder<Row>;
}
