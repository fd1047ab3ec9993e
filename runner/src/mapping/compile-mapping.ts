import type { FieldMapping } from '../generated/connection.js';
import { CoercionError, coerce, type CoercionType } from './coerce.js';
import { compileTemplate, valueAt } from '@backflow/protocol/connector';
import { setAt, splitPath } from './paths.js';

export type MapResult =
  | { readonly ok: true; readonly data: Record<string, unknown> }
  | { readonly ok: false; readonly field: string; readonly reason: string };

/** A stream's field mapping, compiled once: a source row in, the destination record out. */
export interface RowMapper {
  map(row: Record<string, unknown>): MapResult;
  /** Destination fields written, as dotted paths, in mapping order. */
  readonly fields: readonly string[];
  /** Source columns read (first path segment), to check against the stream's schema. */
  readonly columns: readonly string[];
  /** The destination field a source column is copied to unchanged, if any. */
  fieldOf(column: string): string | undefined;
}

interface CompiledField {
  readonly field: string;
  readonly path: string[];
  readonly value: (row: Record<string, unknown>) => unknown;
  readonly type: CoercionType | undefined;
}

export function compileMapping(mapping: Readonly<Record<string, FieldMapping>>): RowMapper {
  const columns = new Set<string>();
  const copies = new Map<string, string>();
  const fields: CompiledField[] = Object.entries(mapping).map(([field, rule]) => {
    const path = splitPath(field);
    if (typeof rule === 'string' || 'from' in rule) {
      const from = typeof rule === 'string' ? rule : rule.from;
      const source = splitPath(from);
      columns.add(source[0]!);
      const type = typeof rule === 'string' ? undefined : rule.type;
      if (type === undefined && !copies.has(from)) copies.set(from, field);
      return { field, path, value: (row) => valueAt(row, source), type };
    }
    if ('template' in rule) {
      const template = compileTemplate(rule.template);
      for (const column of template.columns) columns.add(column.split('.')[0]!);
      return { field, path, value: (row) => template.render(row), type: rule.type };
    }
    const constant = rule.value;
    return { field, path, value: () => constant, type: undefined };
  });
  return {
    fields: fields.map((f) => f.field),
    columns: [...columns],
    fieldOf: (column) => copies.get(column),
    map(row) {
      const data: Record<string, unknown> = {};
      for (const { field, path, value, type } of fields) {
        let out = value(row);
        if (out === undefined) out = null;
        if (type !== undefined) {
          try {
            out = coerce(out, type);
          } catch (error) {
            if (error instanceof CoercionError) return { ok: false, field, reason: `${field}: ${error.message}` };
            throw error;
          }
        }
        setAt(data, path, out);
      }
      return { ok: true, data };
    },
  };
}
