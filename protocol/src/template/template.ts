import { valueAt } from './value-at.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g;

/** A compiled `"{{ first_name }} {{ last_name }}"`: placeholders name source columns (or `a.b` paths). */
export interface Template {
  readonly columns: string[];
  render(row: Record<string, unknown>): string;
}

/** Missing and null values render as empty text; objects as JSON. */
export function compileTemplate(text: string): Template {
  const columns = [...text.matchAll(PLACEHOLDER)].map((match) => match[1]!);
  return {
    columns,
    render: (row) =>
      text.replace(PLACEHOLDER, (_, column: string) => {
        const value = valueAt(row, column.split('.'));
        if (value === null || value === undefined) return '';
        return typeof value === 'object' ? JSON.stringify(value) : String(value);
      }),
  };
}
