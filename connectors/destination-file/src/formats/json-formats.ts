import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError } from '@backflow/protocol/connector';
import { objectKey } from './key-text.js';
import type { RowEncoder, RowFormat } from './row-format.js';

type JsonRow = Record<string, unknown>;

/** JSON Lines: one object per line. */
export function jsonlFormat(columns: readonly string[]): RowFormat<JsonRow> {
  return {
    extension: 'jsonl',
    fromRecord: (data) => ordered(data, columns),
    keyOf: objectKey,
    read: (path) => readJsonLines(path, (line) => line),
    encoder: (): RowEncoder<JsonRow> => ({
      start: () => '',
      rows: (rows) => rows.map((row) => JSON.stringify(row) + '\n').join(''),
      end: () => '',
    }),
  };
}

/**
 * One JSON array. Written one element per line (`[`, `{…},`, …, `]`) so that it can be
 * streamed back line by line for merging; a file in another layout is refused rather than
 * loaded whole into memory.
 */
export function jsonArrayFormat(columns: readonly string[]): RowFormat<JsonRow> {
  return {
    extension: 'json',
    fromRecord: (data) => ordered(data, columns),
    keyOf: objectKey,
    read: (path) => readJsonLines(path, arrayElement),
    encoder(): RowEncoder<JsonRow> {
      let written = 0;
      return {
        start: () => '[\n',
        rows(rows) {
          let text = '';
          for (const row of rows) text += (written++ === 0 ? '' : ',\n') + JSON.stringify(row);
          return text;
        },
        end: () => (written === 0 ? ']\n' : '\n]\n'),
      };
    },
  };
}

/** A line of our JSON array layout without its framing, or undefined for `[`/`]`. */
function arrayElement(line: string): string | undefined {
  if (line === '[' || line === ']' || line === '[]') return undefined;
  return line.replace(/^,/, '').replace(/,$/, '');
}

async function* readJsonLines(path: string, element: (line: string) => string | undefined): AsyncGenerator<JsonRow> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let number = 0;
  for await (const raw of lines) {
    number++;
    const line = raw.trim();
    if (line === '') continue;
    const text = element(line);
    if (text === undefined) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ConfigError(
        `existing file ${path} line ${number} is not one JSON object per line (the layout this destination writes)`,
      );
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError(
        `existing file ${path} line ${number} holds a JSON ${Array.isArray(value) ? 'array' : typeof value}, not an object`,
      );
    }
    yield value as JsonRow;
  }
}

/** The record with the schema's properties first, in schema order, then any others. */
function ordered(data: Readonly<JsonRow>, columns: readonly string[]): JsonRow {
  // No prototype, so a field named "__proto__" is data like any other.
  const row = Object.create(null) as JsonRow;
  for (const column of columns) if (Object.hasOwn(data, column)) row[column] = data[column];
  for (const [field, value] of Object.entries(data)) if (!(field in row)) row[field] = value;
  return row;
}
