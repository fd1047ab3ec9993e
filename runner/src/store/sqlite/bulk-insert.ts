import type Database from 'better-sqlite3';

/** Rows per INSERT statement: a call into SQLite costs about as much as binding a hundred rows. */
const ROWS_PER_STATEMENT = 100;

/**
 * An INSERT of many rows at a time (`insert … values (…), (…), …`), for the writes of a run
 * that go row by row otherwise (keys seen, outcomes logged): one statement call per hundred
 * rows instead of one per row. Statements are prepared once per row count.
 */
export class BulkInsert {
  private readonly statements = new Map<number, Database.Statement>();
  private readonly width: number;

  /**
   * `head` is the statement up to `values` (`insert into t (a, b)`); `row` one row's
   * placeholders, which may wrap them (`(?, unhex(?))`).
   */
  constructor(
    private readonly db: Database.Database,
    private readonly head: string,
    private readonly row: string,
  ) {
    this.width = row.split('?').length - 1;
  }

  /** Inserts rows given as one flat list of values, `width` values per row in column order. */
  run(values: readonly unknown[]): void {
    const step = ROWS_PER_STATEMENT * this.width;
    for (let start = 0; start < values.length; start += step) {
      const part = values.slice(start, start + step);
      this.statement(part.length / this.width).run(part);
    }
  }

  private statement(rows: number): Database.Statement {
    let statement = this.statements.get(rows);
    if (!statement) {
      statement = this.db.prepare(`${this.head} values ${Array.from({ length: rows }, () => this.row).join(', ')}`);
      this.statements.set(rows, statement);
    }
    return statement;
  }
}
