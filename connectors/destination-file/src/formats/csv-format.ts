import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { ConfigError } from '@backflow/protocol/connector';
import { cellText, keyText, valueAt } from './key-text.js';
import type { Cell, RowEncoder, RowFormat } from './row-format.js';

export interface CsvOptions {
  readonly columns: readonly string[];
  readonly delimiter: string;
  readonly header: boolean;
}

/** A CSV row: its fields, and for a row read back unchanged from the file, its exact text. */
export interface CsvRow {
  readonly cells: readonly Cell[];
  readonly raw?: string;
}

/**
 * CSV with one column per schema property, in schema order. Nested values are JSON text;
 * `null` is an empty field and the empty string a quoted empty field (`""`). Quoting and
 * escaping are csv-stringify's and csv-parse's (RFC 4180).
 *
 * Rows of an existing file whose columns are already the stream's are copied through as
 * their original text, so rewriting a file keeps untouched rows byte for byte (and is fast:
 * asking csv-parse which fields were quoted costs several times the parse itself). Rows
 * moved to a new column layout come back with empty fields as null.
 */
export function csvFormat(options: CsvOptions): RowFormat<CsvRow> {
  const { columns, delimiter, header } = options;
  const indexOf = new Map(columns.map((column, index) => [column, index]));
  // `quoted_match` quotes only the empty string; `quoted_empty` would quote null too.
  const encode = (rows: readonly (readonly Cell[])[]) =>
    stringify(rows as Cell[][], { delimiter, quoted_match: /^$/, eof: true, record_delimiter: 'unix' });

  return {
    extension: 'csv',
    fromRecord: (data) => ({ cells: columns.map((column) => cellText(valueAt(data, [column]))) }),
    keyOf({ cells }, keyPaths) {
      return keyText(
        keyPaths.map(([column, ...rest]) => {
          const cell = cells[indexOf.get(column!) ?? -1] ?? null;
          if (rest.length === 0 || cell === null) return cell;
          try {
            return valueAt(JSON.parse(cell), rest);
          } catch {
            return undefined;
          }
        }),
      );
    },
    read: (path) => readCsv(path, options),
    encoder(): RowEncoder<CsvRow> {
      return {
        start: () => (header ? encode([columns]) : ''),
        rows(rows) {
          let text = '';
          let fresh: (readonly Cell[])[] = [];
          for (const row of rows) {
            if (row.raw === undefined) {
              fresh.push(row.cells);
              continue;
            }
            if (fresh.length > 0) text += encode(fresh);
            fresh = [];
            text += row.raw;
          }
          return fresh.length > 0 ? text + encode(fresh) : text;
        },
        end: () => '',
      };
    },
  };
}

/** A record's original text ending in `\n` (what we write), or undefined when it cannot be reused as is. */
function asLine(raw: string): string | undefined {
  const text = raw.replace(/^\uFEFF/, '');
  if (text.endsWith('\r\n')) return `${text.slice(0, -2)}\n`;
  if (text.endsWith('\n')) return text;
  return text.endsWith('\r') ? undefined : `${text}\n`;
}

async function* readCsv(path: string, { columns, delimiter, header }: CsvOptions): AsyncGenerator<CsvRow> {
  const parser = createReadStream(path).pipe(parse({ delimiter, bom: true, relax_column_count: true, raw: true }));
  // Without a header, fields are taken by position; with one, by name, so reordered or
  // added columns still line up (columns that left the schema are dropped).
  let layout: number[] | undefined = header ? undefined : columns.map((_, index) => index);
  let sameLayout = !header;
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      if (!layout) {
        layout = columns.map((column) => record.indexOf(column));
        sameLayout = record.length === columns.length && layout.every((source, index) => source === index);
        continue;
      }
      const cells = layout.map((index) => (index < 0 || !record[index] ? null : record[index]!));
      const text = sameLayout && record.length === columns.length ? asLine(raw) : undefined;
      yield text === undefined ? { cells } : { cells, raw: text };
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('CSV_')) {
      throw new ConfigError(`existing file ${path} is not valid CSV: ${(error as Error).message}`);
    }
    throw error;
  }
}
