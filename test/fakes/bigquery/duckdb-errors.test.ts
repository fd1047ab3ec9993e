import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine } from './engine.js';
import { QueryError } from './errors.js';

const PROJECT = 'errors-proj';
let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create(PROJECT, 'EU');
  const seed = await engine.connect();
  await seed.run('CREATE SCHEMA analytics; CREATE TABLE analytics.t (id BIGINT, name VARCHAR, d DATE)');
  seed.closeSync();
});
afterAll(() => engine.close());

async function failure(sql: string, dataset = 'analytics'): Promise<QueryError> {
  const error = await engine.execute(sql, dataset).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QueryError);
  return error as QueryError;
}

// BigQuery's wording for each mistake; DuckDB's own text must never reach the client.
const CASES: [string, 'invalidQuery' | 'notFound', string][] = [
  ['SELEC 1', 'invalidQuery', 'Syntax error: Unexpected identifier "SELEC"'],
  ['SELECT 1 FROM FROM t', 'invalidQuery', 'Syntax error: Unexpected keyword FROM'],
  ['SELECT 1 +', 'invalidQuery', 'Syntax error: Unexpected end of script'],
  ['SELECT nope FROM t', 'invalidQuery', 'Unrecognized name: nope'],
  ['SELECT t.nope FROM t', 'invalidQuery', 'Name nope not found inside t'],
  ['SELECT foo(1)', 'invalidQuery', 'Function not found: foo'],
  ['SELECT lower(1)', 'invalidQuery', 'No matching signature for function LOWER for argument types: INT64'],
  ["SELECT 'a' + 1", 'invalidQuery', 'No matching signature for operator + for argument types: STRING, INT64'],
  ["SELECT CAST('abc' AS BIGINT)", 'invalidQuery', 'Bad int64 value: abc'],
  ["SELECT CAST('2020-13-45' AS DATE)", 'invalidQuery', "Invalid date: '2020-13-45'"],
  [
    'SELECT id FROM t GROUP BY name',
    'invalidQuery',
    'SELECT list expression references column id which is neither grouped nor aggregated',
  ],
  ['SELECT id FROM t a, t b', 'invalidQuery', 'Column name id is ambiguous'],
  ['SELECT 9223372036854775807 + 1', 'invalidQuery', 'int64 overflow: 9223372036854775807 + 1'],
  ['SELECT (SELECT 1 UNION ALL SELECT 2)', 'invalidQuery', 'Scalar subquery produced more than one element'],
  ['SELECT * FROM missing', 'notFound', `Not found: Table ${PROJECT}:analytics.missing was not found in location EU`],
  ['SELECT * FROM nowhere.t', 'notFound', `Not found: Dataset ${PROJECT}:nowhere was not found in location EU`],
];

describe('query errors carry BigQuery’s wording', () => {
  test.each(CASES)('%s', async (sql, reason, message) => {
    const error = await failure(sql);
    expect({ reason: error.reason, message: error.message }).toEqual({ reason, message });
    // The engine's text is kept only in the ErrorProto's internal debugInfo.
    expect(error.errorProto().debugInfo).toMatch(/Error: /);
    expect(error.asHttpError().body().error.message).toBe(message);
  });

  test('an engine error with no BigQuery counterpart still hides DuckDB’s text', async () => {
    const error = await failure("SELECT * FROM read_csv('/nonexistent/file.csv')");
    expect(error.message).toBe('Query error: not supported by the BigQuery fake (DuckDB detail in debugInfo)');
    expect(error.errorProto().debugInfo).toMatch(/nonexistent/);
  });
});
