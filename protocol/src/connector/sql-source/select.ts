import type { JsonValue, Resume } from './cursor-state.js';
import type { SqlColumn, SqlReadPlan } from './read-plan.js';

/** How one SQL dialect names a column and binds a value. */
export interface SqlDialect<Column extends SqlColumn, Parameter> {
  quote(identifier: string): string;
  /**
   * Binds `value` as the `index`-th parameter (from 0), typed like `column`: its placeholder
   * in the SQL text and the parameter to send with the query.
   */
  bind(value: JsonValue, column: Column, index: number): { placeholder: string; parameter: Parameter };
  /**
   * An SQL expression that is true on the first row of each cursor value by the database's
   * own equality (`c` is the quoted cursor). When given, reads ordered by cursor only select
   * it as their last column, for sources whose equal values can differ in form.
   */
  cursorValueStarts?(cursor: string): string;
}

/** A statement and its bound parameters. */
export interface SqlQuery<Parameter> {
  readonly sql: string;
  readonly params: Parameter[];
}

/**
 * The SELECT of a planned read. Incremental reads return the rows after the resume point,
 * ordered by (cursor, key): NULL cursors sort first (read on the first run only); NULL key
 * values sort last within a cursor value and count as "after" any key, so resuming never
 * skips them. Resume values travel as typed parameters, never in the SQL text.
 */
export function sqlSelect<Column extends SqlColumn, Parameter>(
  plan: SqlReadPlan<Column>,
  relation: string,
  dialect: SqlDialect<Column, Parameter>,
): SqlQuery<Parameter> {
  const list = plan.select.map((column) => dialect.quote(column.name)).join(', ');
  const incremental = plan.incremental;
  if (!incremental) return { sql: `SELECT ${list} FROM ${relation} AS src`, params: [] };
  const params: Parameter[] = [];
  const bind = (value: JsonValue, column: Column): string => {
    const { placeholder, parameter } = dialect.bind(value, column, params.length);
    params.push(parameter);
    return placeholder;
  };
  const { cursor, key, resume } = incremental;
  const c = dialect.quote(cursor.name);
  const where = resumeCondition(c, cursor, key, resume, bind, dialect);
  const order = [`${c} ASC NULLS FIRST`, ...key.map((k) => `${dialect.quote(k.name)} ASC NULLS LAST`)].join(', ');
  const starts =
    key.length === 0 && dialect.cursorValueStarts ? `, ${dialect.cursorValueStarts(c)} AS "__cursor_value_starts"` : '';
  const sql =
    `SELECT ${list}${starts} FROM ${relation} AS src` + (where ? ` WHERE ${where}` : '') + ` ORDER BY ${order}`;
  return { sql, params };
}

function resumeCondition<Column extends SqlColumn>(
  c: string,
  cursor: Column,
  key: readonly Column[],
  resume: Resume,
  bind: (value: JsonValue, column: Column) => string,
  dialect: SqlDialect<Column, unknown>,
): string {
  switch (resume.kind) {
    case 'start':
      return '';
    case 'non-null-cursor':
      return `${c} IS NOT NULL`;
    case 'after-cursor':
      return `${c} > ${bind(resume.cursor, cursor)}`;
    case 'from-cursor':
      return `${c} >= ${bind(resume.cursor, cursor)}`;
    case 'after-key': {
      const value = bind(resume.cursor, cursor);
      return `${c} > ${value} OR (${c} = ${value} AND ${afterKey(key, resume.key, bind, dialect)})`;
    }
  }
}

function afterKey<Column extends SqlColumn>(
  key: readonly Column[],
  values: readonly JsonValue[],
  bind: (value: JsonValue, column: Column) => string,
  dialect: SqlDialect<Column, unknown>,
): string {
  const [first, ...rest] = key;
  if (!first) return 'FALSE';
  const k = dialect.quote(first.name);
  const value = bind(values[0]!, first);
  const later = `${k} > ${value} OR ${k} IS NULL`;
  return rest.length === 0
    ? `(${later})`
    : `(${later} OR (${k} = ${value} AND ${afterKey(rest, values.slice(1), bind, dialect)}))`;
}
