/** A GoogleSQL quoted identifier: backticks, with `\` and `` ` `` escaped by a backslash. */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/[\\`]/g, (c) => '\\' + c) + '`';
}

/** `` `project.dataset.table` ``: one quoted path, which also admits dashed project ids. */
export function tablePath(projectId: string, datasetId: string, tableId: string): string {
  return quoteIdent(`${projectId}.${datasetId}.${tableId}`);
}

/** A model's SQL without trailing semicolons and blank space, so it can be nested in a FROM. */
export function trimModelSql(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/**
 * `(\n<model sql>\n)`: the model as a subquery. The newlines end a trailing `#` or `--`
 * comment in the model before the closing parenthesis.
 */
export function modelRelation(sql: string): string {
  return `(\n${trimModelSql(sql)}\n)`;
}
