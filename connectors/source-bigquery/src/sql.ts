/** A GoogleSQL quoted identifier: backticks, with `\` and `` ` `` escaped by a backslash. */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/[\\`]/g, (c) => '\\' + c) + '`';
}

/** `` `project.dataset.table` ``: one quoted path, which also admits dashed project ids. */
export function tablePath(projectId: string, datasetId: string, tableId: string): string {
  return quoteIdent(`${projectId}.${datasetId}.${tableId}`);
}

/**
 * A model's SQL without its trailing semicolons (and what follows them: blanks, comments),
 * so it can be nested in a FROM. Strings, quoted names and comments are skipped with
 * GoogleSQL's lexical rules, so a `;` inside them is left alone.
 */
export function trimModelSql(sql: string): string {
  let text = sql.trimEnd();
  for (let last = lastTokenIndex(text); last !== -1 && text[last] === ';'; last = lastTokenIndex(text)) {
    text = text.slice(0, last).trimEnd();
  }
  return text;
}

/** Index of the last character outside comments and blanks (of a quoted token: its opening quote); -1 if none. */
function lastTokenIndex(sql: string): number {
  let last = -1;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '#' || (c === '-' && sql[i + 1] === '-')) {
      const newline = sql.indexOf('\n', i);
      i = newline === -1 ? sql.length : newline + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      last = i;
      const delimiter = c !== '`' && sql.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += delimiter.length;
      while (i < sql.length && !sql.startsWith(delimiter, i)) i += sql[i] === '\\' ? 2 : 1;
      i += delimiter.length;
    } else {
      last = i;
      i++;
    }
  }
  return last;
}

/**
 * `(\n<model sql>\n)`: the model as a subquery. The newlines end a trailing `#` or `--`
 * comment in the model before the closing parenthesis.
 */
export function modelRelation(sql: string): string {
  return `(\n${trimModelSql(sql)}\n)`;
}
