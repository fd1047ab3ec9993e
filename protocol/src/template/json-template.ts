import { compileTemplate, type Template } from './template.js';
import { valueAt } from './value-at.js';

/** A compiled JSON body template: any JSON value rendered per record. */
export interface JsonTemplate {
  /** Top-level record fields the template reads, for checking a mapping before sending. */
  readonly columns: string[];
  render(row: Record<string, unknown>): unknown;
}

/**
 * The key of an object that inserts a field's value as it is — number, boolean, object,
 * array or null — where a string with `{{ }}` would always give text:
 * `{"amount": {"$field": "amount"}}` → `{"amount": 1250.5}`.
 */
export const FIELD_KEY = '$field';

/**
 * Compiles a JSON value whose strings may hold `{{ field }}` placeholders (rendered as
 * text, as mapping templates are) and whose `{"$field": "path"}` objects insert the value
 * at a path unchanged (absent values become null). Everything else is copied as written.
 * Throws a `TypeError` naming the JSON path of a malformed `$field`.
 */
export function compileJsonTemplate(template: unknown): JsonTemplate {
  const columns = new Set<string>();
  const render = compileNode(template, '$', columns);
  return { columns: [...columns], render };
}

type Render = (row: Record<string, unknown>) => unknown;

function compileNode(node: unknown, where: string, columns: Set<string>): Render {
  if (typeof node === 'string') {
    const template: Template = compileTemplate(node);
    if (template.columns.length === 0) return () => node;
    for (const column of template.columns) columns.add(column.split('.')[0]!);
    return (row) => template.render(row);
  }
  if (Array.isArray(node)) {
    const items = node.map((item, i) => compileNode(item, `${where}[${i}]`, columns));
    return (row) => items.map((item) => item(row));
  }
  if (node !== null && typeof node === 'object') {
    const entries = Object.entries(node);
    if (entries.some(([key]) => key === FIELD_KEY)) return compileField(entries, where, columns);
    const compiled = entries.map(([key, value]) => [key, compileNode(value, `${where}.${key}`, columns)] as const);
    return (row) => Object.fromEntries(compiled.map(([key, value]) => [key, value(row)]));
  }
  return () => node;
}

function compileField(entries: [string, unknown][], where: string, columns: Set<string>): Render {
  const path = entries[0]?.[1];
  if (entries.length !== 1 || typeof path !== 'string' || !/^[A-Za-z_]\w*(\.\w+)*$/.test(path)) {
    throw new TypeError(
      `${where}: a {"${FIELD_KEY}": "<field>"} object must have that one key, naming a field or a dotted path`,
    );
  }
  const parts = path.split('.');
  columns.add(parts[0]!);
  return (row) => valueAt(row, parts) ?? null;
}
