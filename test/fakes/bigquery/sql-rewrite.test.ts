import { describe, expect, test } from 'vitest';
import { QueryError } from './errors.js';
import type { QueryParameter } from './query-params.js';
import { rewriteSql } from './sql-rewrite.js';
import type { BoundParameters } from './sql-rewrite.js';

const none: BoundParameters = { named: new Map(), positional: [] };

function rewrite(sql: string, parameters = none): string {
  return rewriteSql(sql, parameters, 'my-proj');
}

describe('rewriteSql', () => {
  test('backtick paths become quoted DuckDB paths, part by part', () => {
    expect(rewrite('SELECT * FROM `my-proj.ds.t` JOIN `ds`.`u` USING (id)')).toBe(
      'SELECT * FROM "my-proj"."ds"."t" JOIN "ds"."u" USING (id)',
    );
  });

  test('a dashed project id may stand unquoted, other dashes are left alone', () => {
    expect(rewrite('SELECT a-b FROM my-proj.ds.t')).toBe('SELECT a-b FROM "my-proj".ds.t');
    expect(rewrite('SELECT x FROM notmy-proj.ds.t')).toBe('SELECT x FROM notmy-proj.ds.t');
  });

  test('GoogleSQL string literals become DuckDB literals', () => {
    expect(rewrite(`SELECT "it's", 'a\\'b', 'tab\\there', r'\\d+', """multi\nline"""`)).toBe(
      `SELECT 'it''s', 'a''b', 'tab\there', '\\d+', 'multi\nline'`,
    );
    expect(rewrite(`SELECT '\\x41\\u00e9\\101'`)).toBe(`SELECT 'AéA'`);
  });

  test('bytes literals become BLOBs with every unsafe byte escaped', () => {
    expect(rewrite(`SELECT b'ab\\x00\\xff', B"q'"`)).toBe(`SELECT 'ab\\x00\\xFF'::BLOB, 'q\\x27'::BLOB`);
  });

  test('# comments become -- comments; quotes inside comments are not strings', () => {
    expect(rewrite('SELECT 1 # it\'s a comment\n-- don\'t\n/* "x" */ FROM t')).toBe(
      'SELECT 1 -- it\'s a comment\n-- don\'t\n/* "x" */ FROM t',
    );
  });

  test('named and positional parameters become typed literals', () => {
    const named = new Map<string, QueryParameter>([
      [
        'since',
        { name: 'since', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: '2024-01-01 00:00:00+00' } },
      ],
      [
        'ids',
        {
          name: 'ids',
          parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
          parameterValue: { arrayValues: [{ value: '1' }, { value: 2 }] },
        },
      ],
      ['nothing', { name: 'nothing', parameterType: { type: 'STRING' } }],
    ]);
    expect(rewrite('SELECT @since, @IDS, @nothing, @@time_zone', { named, positional: [] })).toBe(
      "SELECT CAST('2024-01-01 00:00:00+00' AS TIMESTAMPTZ), CAST([CAST('1' AS BIGINT), CAST('2' AS BIGINT)] AS BIGINT[]), CAST(NULL AS VARCHAR), @@time_zone",
    );
    const positional: QueryParameter[] = [
      { parameterType: { type: 'STRING' }, parameterValue: { value: "o'clock" } },
      { parameterType: { type: 'BYTES' }, parameterValue: { value: 'AAE=' } },
    ];
    expect(rewrite('SELECT ?, ?', { named: new Map(), positional })).toBe(
      "SELECT CAST('o''clock' AS VARCHAR), from_base64('AAE=')",
    );
  });

  test('syntax problems are invalidQuery errors with a [line:column] position', () => {
    const unclosed = (() => {
      try {
        rewrite("SELECT 1,\n  'open");
      } catch (error) {
        return error;
      }
    })();
    expect(unclosed).toBeInstanceOf(QueryError);
    expect(unclosed).toMatchObject({
      reason: 'invalidQuery',
      message: 'Syntax error: Unclosed string literal at [2:3]',
    });
    expect(() => rewrite('SELECT @missing')).toThrow("Query parameter 'missing' not found at [1:8]");
    expect(() => rewrite('SELECT ?')).toThrow('Query parameter number 1 is not defined at [1:8]');
  });
});
