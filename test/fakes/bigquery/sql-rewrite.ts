import { QueryError } from './errors.js';
import { parameterLiteral } from './query-params.js';
import type { QueryParameter } from './query-params.js';

/** Query parameters by the way the query refers to them. */
export interface BoundParameters {
  named: Map<string, QueryParameter>;
  positional: QueryParameter[];
}

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;
const STRING_PREFIXES = new Set(['r', 'b', 'rb', 'br']);
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '?': '?',
  '"': '"',
  "'": "'",
  '`': '`',
};

function position(sql: string, offset: number): string {
  const before = sql.slice(0, offset).split('\n');
  return `[${before.length}:${(before.at(-1)?.length ?? 0) + 1}]`;
}

function syntaxError(sql: string, offset: number, what: string): QueryError {
  return new QueryError('invalidQuery', `Syntax error: ${what} at ${position(sql, offset)}`);
}

/** Reads a GoogleSQL string or bytes literal starting at the quote at `start`. */
function readQuoted(sql: string, start: number, raw: boolean): { text: string; end: number } {
  const quote = sql[start] as string;
  const triple = sql.startsWith(quote.repeat(3), start);
  const closing = triple ? quote.repeat(3) : quote;
  let i = start + closing.length;
  let text = '';
  for (;;) {
    if (i >= sql.length || (!triple && sql[i] === '\n')) throw syntaxError(sql, start, 'Unclosed string literal');
    if (sql.startsWith(closing, i)) return { text, end: i + closing.length };
    const ch = sql[i] as string;
    if (ch !== '\\') {
      text += ch;
      i += 1;
      continue;
    }
    const next = sql[i + 1] ?? '';
    if (raw) {
      // Raw strings keep the backslash; it only stops the next character closing the string.
      text += ch + next;
      i += 2;
      continue;
    }
    if (next in SIMPLE_ESCAPES) {
      text += SIMPLE_ESCAPES[next];
      i += 2;
    } else if (/[0-7]/.test(next)) {
      text += String.fromCharCode(parseInt(sql.slice(i + 1, i + 4), 8));
      i += 4;
    } else if (next === 'x' || next === 'X') {
      text += String.fromCharCode(parseInt(sql.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (next === 'u' || next === 'U') {
      const digits = next === 'u' ? 4 : 8;
      text += String.fromCodePoint(parseInt(sql.slice(i + 2, i + 2 + digits), 16));
      i += 2 + digits;
    } else {
      throw syntaxError(sql, i, `Illegal escape sequence: \\${next}`);
    }
  }
}

function duckString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

// DuckDB turns a VARCHAR into a BLOB reading `\xHH` escapes, so every byte that is not
// plain printable ASCII goes through one.
function duckBytes(text: string): string {
  let escaped = '';
  for (const byte of Buffer.from(text, 'latin1')) {
    escaped +=
      byte >= 0x20 && byte < 0x7f && byte !== 0x5c && byte !== 0x27
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return `'${escaped}'::BLOB`;
}

function duckIdentifier(path: string): string {
  return path
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

/**
 * Translates GoogleSQL's lexical conventions into DuckDB SQL, leaving the rest of the text
 * alone: backtick paths (`project.dataset.table`) become quoted DuckDB paths, single- and
 * double-quoted strings (with escapes, raw `r''`, bytes `b''`, triple quotes) become DuckDB
 * literals, `#` comments become `--` comments, `@name` / `?` parameters are replaced by
 * typed literals, and the project id may stand unquoted even with dashes in it.
 */
export function rewriteSql(sql: string, parameters: BoundParameters, projectId: string): string {
  let out = '';
  let i = 0;
  let nextPositional = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '#') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += `--${sql.slice(i + 1, stop)}`;
      i = stop;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw syntaxError(sql, i, 'Unclosed comment');
      out += sql.slice(i, end + 2);
      i = end + 2;
    } else if (ch === "'" || ch === '"') {
      const { text, end } = readQuoted(sql, i, false);
      out += duckString(text);
      i = end;
    } else if (ch === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end === -1) throw syntaxError(sql, i, 'Unclosed identifier literal');
      out += duckIdentifier(sql.slice(i + 1, end));
      i = end + 1;
    } else if (ch === '@' && sql[i + 1] === '@') {
      out += '@@';
      i += 2;
    } else if (ch === '@' && IDENTIFIER_START.test(sql[i + 1] ?? '')) {
      let end = i + 1;
      while (end < sql.length && IDENTIFIER_PART.test(sql[end] as string)) end += 1;
      const name = sql.slice(i + 1, end);
      const parameter = parameters.named.get(name.toLowerCase());
      if (!parameter)
        throw new QueryError('invalidQuery', `Query parameter '${name}' not found at ${position(sql, i)}`);
      out += parameterLiteral(parameter);
      i = end;
    } else if (ch === '?') {
      const parameter = parameters.positional[nextPositional];
      if (!parameter) {
        throw new QueryError(
          'invalidQuery',
          `Query parameter number ${nextPositional + 1} is not defined at ${position(sql, i)}`,
        );
      }
      nextPositional += 1;
      out += parameterLiteral(parameter);
      i += 1;
    } else if (
      projectId.includes('-') &&
      sql.startsWith(`${projectId}.`, i) &&
      !IDENTIFIER_PART.test(sql[i - 1] ?? '')
    ) {
      // GoogleSQL lets a dashed project id stand unquoted at the head of a table path.
      out += duckIdentifier(projectId);
      i += projectId.length;
    } else if (IDENTIFIER_START.test(ch)) {
      let end = i + 1;
      while (end < sql.length && IDENTIFIER_PART.test(sql[end] as string)) end += 1;
      const word = sql.slice(i, end);
      const quote = sql[end];
      if ((quote === "'" || quote === '"') && STRING_PREFIXES.has(word.toLowerCase())) {
        const lower = word.toLowerCase();
        const { text, end: after } = readQuoted(sql, end, lower.includes('r'));
        out += lower.includes('b') ? duckBytes(text) : duckString(text);
        i = after;
      } else {
        out += word;
        i = end;
      }
    } else if (/[0-9]/.test(ch)) {
      // Numbers pass through whole so that a letter inside (1e10) is not read as a word.
      let end = i + 1;
      while (end < sql.length && /[0-9A-Za-z_.]/.test(sql[end] as string)) end += 1;
      out += sql.slice(i, end);
      i = end;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}
