import { QueryError } from './errors.js';

/**
 * DuckDB's error text turned into the message BigQuery gives for the same mistake (wordings
 * from BigQuery's error messages as its console and API report them). The client must never
 * see DuckDB's text, so a test that passes here does not lean on an engine detail; DuckDB's
 * own text goes to the ErrorProto's `debugInfo`, which Google documents as internal. No
 * `at [line:column]` suffix: DuckDB's positions are in the rewritten SQL, not the caller's.
 */
export function bigQueryErrorFor(duckdbMessage: string, where: Where): QueryError {
  const text = duckdbMessage.replace(/^Failed to extract statements: /, '').trim();
  const first = text.split('\n')[0]!.trim();
  const translated = translate(first, where);
  return new QueryError(translated.reason, translated.message, text);
}

/** A result column DuckDB produced that BigQuery has no type for: the engine's text stays in `debugInfo`. */
export function unsupportedResultType(error: Error): QueryError {
  return new QueryError(
    'invalidQuery',
    'Query error: a result column has a type BigQuery cannot return (DuckDB detail in debugInfo)',
    error.message,
  );
}

/** Where the query ran: BigQuery names missing tables and datasets with them. */
export interface Where {
  readonly projectId: string;
  readonly location: string;
  /** The query's default dataset, which qualifies a bare table name. */
  readonly dataset?: string | undefined;
}

interface Translated {
  readonly reason: 'invalidQuery' | 'notFound';
  readonly message: string;
}

type Rule = (match: RegExpExecArray, where: Where) => Translated;

const invalid = (message: string): Translated => ({ reason: 'invalidQuery', message });

const RULES: readonly [RegExp, Rule][] = [
  [
    /^Catalog Error: Table with name "?([^"]+?)"? does not exist because schema "([^"]+)" does not exist/,
    (m, w) => ({
      reason: 'notFound',
      message: `Not found: Dataset ${w.projectId}:${m[2]} was not found in location ${w.location}`,
    }),
  ],
  [
    /^Catalog Error: Table with name "?([^" ]+?)"? does not exist!/,
    (m, w) => ({
      reason: 'notFound',
      message: `Not found: Table ${w.projectId}:${m[1]!.includes('.') || !w.dataset ? m[1] : `${w.dataset}.${m[1]}`} was not found in location ${w.location}`,
    }),
  ],
  [/^Parser Error: syntax error at end of input/, () => invalid('Syntax error: Unexpected end of script')],
  [/^Parser Error: syntax error at or near "(.*)"$/, (m) => invalid(`Syntax error: Unexpected ${token(m[1]!)}`)],
  [/^Binder Error: Referenced column "([^"]+)" not found/, (m) => invalid(`Unrecognized name: ${m[1]}`)],
  [
    /^Binder Error: Table "([^"]+)" does not have a column named "([^"]+)"/,
    (m) => invalid(`Name ${m[2]} not found inside ${m[1]}`),
  ],
  [/^Binder Error: Ambiguous reference to column name "([^"]+)"/, (m) => invalid(`Column name ${m[1]} is ambiguous`)],
  [
    /^Binder Error: column "([^"]+)" must appear in the GROUP BY clause/,
    (m) => invalid(`SELECT list expression references column ${m[1]} which is neither grouped nor aggregated`),
  ],
  [
    /^Catalog Error: (?:Scalar |Aggregate |Table )?Function with name "?([^" ]+?)"? does not exist/,
    (m) => invalid(`Function not found: ${m[1]}`),
  ],
  [
    /^Binder Error: (?:No function matches the given name and argument types|Could not choose a best candidate function for the function call) '?"?([^(]+)\((.*?)\)["']/,
    (m) => invalid(noMatchingSignature(m[1]!, m[2]!)),
  ],
  [
    /^Conversion Error: Could not convert string '(.*)' to ([A-Z0-9]+)/,
    (m) => invalid(`Bad ${valueKind(m[2]!)} value: ${m[1]}`),
  ],
  [
    /^Conversion Error: (?:date field value out of range|invalid date field format): "(.*)"/,
    (m) => invalid(`Invalid date: '${m[1]}'`),
  ],
  [
    /^Conversion Error: (?:timestamp field value out of range|invalid timestamp field format): "(.*)"/,
    (m) => invalid(`Invalid timestamp: '${m[1]}'`),
  ],
  [/^Out of Range Error: Overflow in (\w+) of INT64 \((.*)\)!?$/, (m) => invalid(`int64 overflow: ${m[2]}`)],
  [
    /^Invalid Input Error: More than one row returned by a subquery/,
    () => invalid('Scalar subquery produced more than one element'),
  ],
];

function translate(first: string, where: Where): Translated {
  for (const [pattern, rule] of RULES) {
    const match = pattern.exec(first);
    if (match) return rule(match, where);
  }
  return invalid('Query error: not supported by the BigQuery fake (DuckDB detail in debugInfo)');
}

/** How GoogleSQL's parser names an unexpected token. */
function token(text: string): string {
  if (/^\d+$/.test(text)) return `integer literal "${text}"`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) {
    return RESERVED.has(text.toUpperCase()) ? `keyword ${text.toUpperCase()}` : `identifier "${text}"`;
  }
  return `"${text}"`;
}

function noMatchingSignature(name: string, args: string): string {
  const types = args
    .split(',')
    .map((arg) => googleSqlType(arg.trim()))
    .join(', ');
  const what = /^[A-Za-z_]/.test(name) ? `function ${name.toUpperCase()}` : `operator ${name}`;
  return `No matching signature for ${what} for argument types: ${types}`;
}

function googleSqlType(duckdb: string): string {
  const type = duckdb.replace(/_LITERAL$/, '').toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|INT\d*)$/.test(type))
    return 'INT64';
  if (/^(VARCHAR|STRING)$/.test(type)) return 'STRING';
  if (/^(FLOAT|DOUBLE|REAL)$/.test(type)) return 'FLOAT64';
  if (type.startsWith('DECIMAL')) return 'NUMERIC';
  if (type === 'BOOLEAN') return 'BOOL';
  if (type === 'BLOB') return 'BYTES';
  if (type === 'TIMESTAMP WITH TIME ZONE') return 'TIMESTAMP';
  if (type === 'TIMESTAMP') return 'DATETIME';
  if (type.endsWith('[]')) return `ARRAY<${googleSqlType(type.slice(0, -2))}>`;
  return type;
}

function valueKind(duckdbType: string): string {
  if (/^U?INT\d*$/.test(duckdbType)) return 'int64';
  if (/^(FLOAT|DOUBLE)$/.test(duckdbType)) return 'double';
  if (duckdbType === 'BOOL' || duckdbType === 'BOOLEAN') return 'bool';
  return duckdbType.toLowerCase();
}

// GoogleSQL's reserved keywords (BigQuery "Lexical structure and syntax", Reserved keywords).
const RESERVED = new Set(
  `ALL AND ANY ARRAY AS ASC ASSERT_ROWS_MODIFIED AT BETWEEN BY CASE CAST COLLATE CONTAINS CREATE CROSS CUBE
  CURRENT DEFAULT DEFINE DESC DISTINCT ELSE END ENUM ESCAPE EXCEPT EXCLUDE EXISTS EXTRACT FALSE FETCH FOLLOWING
  FOR FROM FULL GROUP GROUPING GROUPS HASH HAVING IF IGNORE IN INNER INTERSECT INTERVAL INTO IS JOIN LATERAL LEFT
  LIKE LIMIT LOOKUP MERGE NATURAL NEW NO NOT NULL NULLS OF ON OR ORDER OUTER OVER PARTITION PRECEDING PROTO
  QUALIFY RANGE RECURSIVE RESPECT RIGHT ROLLUP ROWS SELECT SET SOME STRUCT TABLESAMPLE THEN TO TREAT TRUE
  UNBOUNDED UNION UNNEST USING WHEN WHERE WINDOW WITH WITHIN`.split(/\s+/),
);
