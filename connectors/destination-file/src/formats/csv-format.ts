import { createReadStream } from 'node:fs';
import { parse, type CastingContext } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { ConfigError } from '@backflow/protocol/connector';
import { cellText, keyText, valueAt } from './key-text.js';
import type { Cell, RowEncoder, RowFormat } from './row-format.js';

export interface CsvOptions {
  readonly columns: readonly string[];
  readonly delimiter: string;
  readonly header: boolean;
}

/**
 * CSV with one column per schema property, in schema order. Nested values are JSON text;
 * `null` is an empty field and the empty string a quoted empty field (`""`), so the two
 * survive a round trip. Quoting and escaping are csv-stringify's and csv-parse's (RFC 4180).
 */
export function csvFormat(options: CsvOptions): RowFormat<Cell[]> {
  const { columns, delimiter, header } = options;
  const indexOf = new Map(columns.map((column, index) => [column, index]));
  // `quoted_match` quotes only the empty string; `quoted_empty` would quote null too.
  const encode = (rows: readonly Cell[][]) =>
    rows.length === 0 ? '' : stringify(rows as Cell[][], { delimiter, quoted_match: /^$/, eof: true, record_delimiter: 'unix' });

  return {
    extension: 'csv',
    fromRecord: (data) => columns.map((column) => cellText(valueAt(data, [column]))),
    keyOf(row, keyPaths) {
      return keyText(
        keyPaths.map(([column, ...rest]) => {
          const cell = row[indexOf.get(column!) ?? -1] ?? null;
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
    encoder(): RowEncoder<Cell[]> {
      return {
        start: () => (header ? encode([[...columns]]) : ''),
        rows: encode,
        end: () => '',
      };
    },
  };
}

async function* readCsv(path: string, { columns, delimiter, header }: CsvOptions): AsyncGenerator<Cell[]> {
  const parser = createReadStream(path).pipe(
    parse({
      delimiter,
      bom: true,
      relax_column_count: true,
      // An unquoted empty field is null; `""` stays the empty string.
      cast: (value: string, context: CastingContext) => (value === '' && !context.quoting ? null : value),
    }),
  );
  // Without a header, fields are taken by position; with one, by name, so reordered or
  // added columns still line up (columns that left the schema are dropped).
  let layout: number[] | undefined = header ? undefined : columns.map((_, index) => index);
  try {
    for await (const fields of parser as AsyncIterable<Cell[]>) {
      if (!layout) {
        const names = fields.map((name) => name ?? '');
        layout = columns.map((column) => names.indexOf(column));
        continue;
      }
      const source = layout;
      yield source.map((index) => (index < 0 ? null : (fields[index] ?? null)));
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('CSV_')) {
      throw new ConfigError(`existing file ${path} is not valid CSV: ${(error as Error).message}`);
    }
    throw error;
  }
}
