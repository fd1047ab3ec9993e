import { randomBytes } from 'node:crypto';
import { RestError } from './errors.js';
import type { ObjectDefinition } from './schema.js';
import { RecordStore, type FieldValue } from './store.js';

/** The most records per query page (Salesforce's default batch size, also its maximum). */
export const MAX_QUERY_BATCH = 2000;

type Literal = string | number | boolean | null;
interface Condition {
  field: string;
  op: '=' | '!=' | '>' | '>=' | '<' | '<=' | 'IN' | 'NOT IN';
  values: Literal[];
}
/** A WHERE clause: conditions joined by AND / OR, grouped by parentheses. */
type Expr = { kind: 'condition'; condition: Condition } | { kind: 'and' | 'or'; items: Expr[] };
interface Soql {
  fields: string[];
  object: string;
  where: Expr | undefined;
  orderBy: { field: string; descending: boolean }[];
  limit: number | undefined;
}

/**
 * The SOQL the connectors need, parsed for real: `SELECT fields FROM object [WHERE cond AND …]
 * [ORDER BY field [ASC|DESC], …] [LIMIT n]`, conditions `=, !=, <, <=, >, >=, IN, NOT IN` on
 * string, number, boolean, null and date/datetime literals. Anything else is MALFORMED_QUERY,
 * an unknown field INVALID_FIELD, as Salesforce answers. Results come in pages of at most
 * 2,000 records (`Sforce-Query-Options: batchSize=`) linked by `nextRecordsUrl`.
 */
export class QueryEngine {
  private readonly cursors = new Map<
    string,
    { rows: Record<string, unknown>[]; position: number; size: number; resource: 'query' | 'queryAll' }
  >();

  constructor(
    private readonly objects: ReadonlyMap<string, ObjectDefinition>,
    private readonly store: RecordStore,
    private readonly version: () => string,
  ) {}

  /** The rows a SOQL query selects (no `attributes`), for a REST page or a Bulk 2.0 query job. */
  select(
    text: string,
    includeDeleted: boolean,
  ): { object: string; fields: string[]; rows: Record<string, FieldValue>[] } {
    const soql = parse(text);
    const object = this.objects.get(soql.object);
    if (!object) throw new RestError(400, 'INVALID_TYPE', `sObject type '${soql.object}' is not supported.`);
    const known = new Map(object.fields.map((f) => [f.name.toLowerCase(), f]));
    const resolve = (name: string) => {
      const field = known.get(name.toLowerCase());
      if (!field) throw new RestError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${object.name}'.`);
      return field;
    };
    const selected = soql.fields.map((name) => resolve(name).name);
    const types = new Map<Condition, string>();
    const visit = (expr: Expr | undefined): void => {
      if (!expr) return;
      if (expr.kind === 'condition') types.set(expr.condition, resolve(expr.condition.field).type);
      else expr.items.forEach(visit);
    };
    visit(soql.where);
    const holds = (row: Record<string, FieldValue>, expr: Expr): boolean => {
      if (expr.kind !== 'condition')
        return expr.kind === 'and'
          ? expr.items.every((item) => holds(row, item))
          : expr.items.some((item) => holds(row, item));
      const { condition } = expr;
      return matches(row[resolve(condition.field).name] ?? null, condition, types.get(condition)!);
    };
    const order = soql.orderBy.map((o) => ({ ...o, field: resolve(o.field).name }));
    let rows = this.store
      .list(object.name, { deleted: includeDeleted })
      .map((record) => RecordStore.view(record))
      .filter((row) => soql.where === undefined || holds(row, soql.where));
    if (order.length > 0)
      rows.sort((a, b) => {
        for (const { field, descending } of order) {
          const diff = compare(a[field] ?? null, b[field] ?? null);
          if (diff !== 0) return descending ? -diff : diff;
        }
        return 0;
      });
    if (soql.limit !== undefined) rows = rows.slice(0, soql.limit);
    return {
      object: object.name,
      fields: selected,
      rows: rows.map((row) => Object.fromEntries(selected.map((name) => [name, row[name] ?? null]))),
    };
  }

  run(text: string, options: { batchSize?: number; includeDeleted?: boolean }): unknown {
    const { object, rows } = this.select(text, options.includeDeleted ?? false);
    const version = this.version();
    const shaped = rows.map((row) => ({
      attributes: { type: object, url: `/services/data/v${version}/sobjects/${object}/${String(row['Id'])}` },
      ...row,
    }));
    const size = Math.min(Math.max(options.batchSize ?? MAX_QUERY_BATCH, 200), MAX_QUERY_BATCH);
    const locator = `01g${randomBytes(6).toString('hex')}`;
    this.cursors.set(locator, {
      rows: shaped,
      position: 0,
      size,
      resource: options.includeDeleted ? 'queryAll' : 'query',
    });
    return this.page(locator);
  }

  /** The next page of a query (`GET /query/{locator}-{position}`). */
  page(locator: string): unknown {
    const [id, at] = locator.split('-') as [string, string | undefined];
    const cursor = this.cursors.get(id);
    if (!cursor) throw new RestError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const position = at === undefined ? 0 : Number(at);
    const records = cursor.rows.slice(position, position + cursor.size);
    const next = position + records.length;
    const done = next >= cursor.rows.length;
    if (done) this.cursors.delete(id);
    return {
      totalSize: cursor.rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${this.version()}/${cursor.resource}/${id}-${next}` }),
      records,
    };
  }
}

function matches(value: FieldValue, condition: Pick<Condition, 'op' | 'values'>, type: string): boolean {
  const { op, values } = condition;
  if (op === 'IN' || op === 'NOT IN') {
    const found = values.some((v) => equal(value, v, type));
    return op === 'IN' ? found : !found;
  }
  const literal = values[0]!;
  if (op === '=') return equal(value, literal, type);
  if (op === '!=') return !equal(value, literal, type);
  if (value === null || literal === null) return false;
  const diff = compare(normalize(value, type), normalize(literal, type));
  return op === '>' ? diff > 0 : op === '>=' ? diff >= 0 : op === '<' ? diff < 0 : diff <= 0;
}

function equal(value: FieldValue, literal: Literal, type: string): boolean {
  if (value === null || literal === null) return value === literal;
  const a = normalize(value, type);
  const b = normalize(literal, type);
  return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function normalize(value: Literal, type: string): Literal {
  if (type === 'datetime' && typeof value === 'string') return Date.parse(value.replace(/\+0000$/, 'Z'));
  return value;
}

function compare(a: Literal, b: Literal): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

const TOKEN =
  /\s*('(?:[^'\\]|\\.)*'|[A-Za-z_][\w.]*|\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2}))?|-?\d+(?:\.\d+)?|!=|>=|<=|[=<>(),*])/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < text.length) {
    if (/^\s*$/.test(text.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(text);
    if (!match) throw malformed(text, `unexpected token at ${position}`);
    tokens.push(match[1]!);
    position = TOKEN.lastIndex;
  }
  return tokens;
}

function parse(text: string): Soql {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i]?.toUpperCase();
  const take = () => {
    const token = tokens[i++];
    if (token === undefined) throw malformed(text, 'unexpected end of query');
    return token;
  };
  const expect = (word: string) => {
    if (take().toUpperCase() !== word) throw malformed(text, `expecting ${word}`);
  };
  expect('SELECT');
  const fields = [take()];
  while (peek() === ',') {
    i++;
    fields.push(take());
  }
  expect('FROM');
  const object = take();
  const condition = (): Condition => {
    const field = take();
    let op = take().toUpperCase();
    if (op === 'NOT') {
      expect('IN');
      op = 'NOT IN';
    }
    if (op === 'IN' || op === 'NOT IN') {
      expect('(');
      const values = [literal(take(), text)];
      while (peek() === ',') {
        i++;
        values.push(literal(take(), text));
      }
      expect(')');
      return { field, op, values };
    }
    if (['=', '!=', '>', '>=', '<', '<='].includes(op))
      return { field, op: op as Condition['op'], values: [literal(take(), text)] };
    throw malformed(text, `unexpected operator ${op}`);
  };
  const term = (): Expr => {
    if (peek() !== '(') return { kind: 'condition', condition: condition() };
    i++;
    const inner = expression();
    expect(')');
    return inner;
  };
  // SOQL refuses AND and OR side by side without parentheses ("a AND b OR c" is MALFORMED_QUERY).
  const expression = (): Expr => {
    const first = term();
    const joiner = peek();
    if (joiner !== 'AND' && joiner !== 'OR') return first;
    const items = [first];
    while (peek() === 'AND' || peek() === 'OR') {
      if (peek() !== joiner) throw malformed(text, 'unexpected token: mix of AND and OR needs parentheses');
      i++;
      items.push(term());
    }
    return { kind: joiner === 'AND' ? 'and' : 'or', items };
  };
  let where: Expr | undefined;
  if (peek() === 'WHERE') {
    i++;
    where = expression();
  }
  const orderBy: Soql['orderBy'] = [];
  if (peek() === 'ORDER') {
    i++;
    expect('BY');
    do {
      if (orderBy.length > 0) i++;
      const field = take();
      let descending = false;
      if (peek() === 'ASC' || peek() === 'DESC') descending = take().toUpperCase() === 'DESC';
      orderBy.push({ field, descending });
    } while (peek() === ',');
  }
  let limit: number | undefined;
  if (peek() === 'LIMIT') {
    i++;
    limit = Number(take());
    if (!Number.isInteger(limit) || limit < 0) throw malformed(text, 'LIMIT must be a non-negative integer');
  }
  if (i < tokens.length) throw malformed(text, `unexpected token '${tokens[i]}'`);
  return { fields, object, where, orderBy, limit };
}

function literal(token: string, text: string): Literal {
  if (token.startsWith("'")) return token.slice(1, -1).replace(/\\(.)/g, '$1');
  const upper = token.toUpperCase();
  if (upper === 'NULL') return null;
  if (upper === 'TRUE' || upper === 'FALSE') return upper === 'TRUE';
  if (/^\d{4}-\d{2}-\d{2}/.test(token)) return token;
  if (/^-?\d/.test(token)) return Number(token);
  throw malformed(text, `unexpected literal ${token}`);
}

function malformed(text: string, why: string): RestError {
  return new RestError(400, 'MALFORMED_QUERY', `${text.slice(0, 80)}\n${why}`);
}
