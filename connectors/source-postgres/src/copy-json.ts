// Rows of `COPY … TO STDOUT` (text format) transcoded straight into RECORD lines: each
// column's text is written as its JSON value by an encoder chosen from the column's type,
// byte to byte, without a string or an object per row. What an encoder does not recognise
// (BC dates, NaN, escapes COPY never writes, arrays, bytea…) goes through the column's
// decoder from type-mapping.ts, so both ways give the values protocol/docs/types.md prescribes.

import type { EncodedRows, Position } from '@backflow/protocol/connector';
import { recordLineSuffix } from '@backflow/protocol/connector';
import { unescapeCopyText } from './copy-text.js';
import type { Codec } from './type-mapping.js';

const TAB = 0x09;
const LF = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const BACKSLASH = 0x5c;
const LOWER_E = 0x65;
const HEX = Buffer.from('0123456789abcdef');
const NULL = Buffer.from('null');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/** The bytes of RECORD lines being written; grows when a row needs more room. */
export class JsonOutput {
  bytes: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafe(capacity);
  }

  reserve(bytes: number): void {
    if (this.length + bytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.length + bytes));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  put(source: Uint8Array): void {
    this.bytes.set(source, this.length);
    this.length += source.length;
  }

  putString(text: string): void {
    this.reserve(3 * text.length);
    this.length += this.bytes.write(text, this.length, 'utf8');
  }
}

/**
 * Writes the field of COPY text starting at `at` (it ends at the next tab or at `end`) as
 * JSON; returns where the field ends, or -1 when the text is not one the encoder recognises
 * (what it wrote is then dropped and the column's decoder takes the field).
 */
export type FieldEncoder = (out: JsonOutput, input: Buffer, at: number, end: number) => number;

const isDigit = (byte: number | undefined) => byte !== undefined && byte >= ZERO && byte <= NINE;

function fieldEnd(input: Buffer, at: number, end: number): number {
  while (at < end && input[at] !== TAB) at++;
  return at;
}

/** Copies input[from, to) to the output, with room reserved by the caller. */
function copy(out: JsonOutput, input: Buffer, from: number, to: number): void {
  const bytes = out.bytes;
  let at = out.length;
  for (let p = from; p < to; p++) bytes[at++] = input[p]!;
  out.length = at;
}

function putByte(out: JsonOutput, byte: number): void {
  out.bytes[out.length++] = byte;
}

/**
 * Text as a JSON string, with COPY's escapes turned into JSON's: `\\`, `\n`, `\t`, `\r`, `\b`
 * and `\f` are spelled the same in both. Writes what JSON.stringify would.
 */
export const encodeString: FieldEncoder = (out, input, at, end) => {
  const bytes = out.bytes;
  let o = out.length;
  bytes[o++] = QUOTE;
  let p = at;
  for (; p < end; p++) {
    const byte = input[p]!;
    if (byte >= SPACE && byte !== QUOTE && byte !== BACKSLASH) {
      bytes[o++] = byte;
    } else if (byte === TAB) {
      break;
    } else if (byte === QUOTE) {
      bytes[o++] = BACKSLASH;
      bytes[o++] = QUOTE;
    } else if (byte === BACKSLASH) {
      const next = input[p + 1];
      // \\ \n \t \r \b \f; COPY never writes the others (\v, octal, hex), left to the decoder.
      if (next !== 0x5c && next !== 0x6e && next !== 0x74 && next !== 0x72 && next !== 0x62 && next !== 0x66) return -1;
      bytes[o++] = BACKSLASH;
      bytes[o++] = next;
      p++;
    } else {
      // A control character COPY leaves as it is: \u00XX.
      bytes[o++] = BACKSLASH;
      bytes[o++] = 0x75;
      bytes[o++] = ZERO;
      bytes[o++] = ZERO;
      bytes[o++] = HEX[byte >> 4]!;
      bytes[o++] = HEX[byte & 15]!;
    }
  }
  bytes[o++] = QUOTE;
  out.length = o;
  return p;
};

/** smallint, integer, oid: Postgres prints them as JSON does. */
export const encodeInteger: FieldEncoder = (out, input, at, end) => {
  const stop = fieldEnd(input, at, end);
  if (stop === at) return -1;
  copy(out, input, at, stop);
  return stop;
};

/**
 * real, double precision: a finite value is printed as a JSON number (`0.1`, `1e+100`,
 * `1.5e-07`), which parses to the same double. -0 (JSON.stringify writes 0), NaN and
 * ±Infinity (null) are the decoder's.
 */
export const encodeFloat: FieldEncoder = (out, input, at, end) => {
  let p = at;
  for (; p < end; p++) {
    const byte = input[p]!;
    if (byte === TAB) break;
    if (!((byte >= ZERO && byte <= NINE) || byte === DOT || byte === LOWER_E || byte === PLUS || byte === MINUS)) {
      return -1;
    }
  }
  const first = input[at] === MINUS ? at + 1 : at;
  if (!isDigit(input[first]) || (first > at && p - first === 1 && input[first] === ZERO)) return -1;
  copy(out, input, at, p);
  return p;
};

/** boolean: `t` or `f`. */
export const encodeBoolean: FieldEncoder = (out, input, at, end) => {
  if (at + 1 !== end && input[at + 1] !== TAB) return -1;
  const byte = input[at];
  if (byte === 0x74) out.put(TRUE);
  else if (byte === 0x66) out.put(FALSE);
  else return -1;
  return at + 1;
};

/** date: `2024-01-31` as it is; BC, years past 9999 and ±infinity are the decoder's. */
export const encodeDate: FieldEncoder = (out, input, at, end) => {
  const stop = fieldEnd(input, at, end);
  if (stop - at !== 10 || input[at + 4] !== MINUS) return -1;
  putByte(out, QUOTE);
  copy(out, input, at, stop);
  putByte(out, QUOTE);
  return stop;
};

/** A timestamp between years 1 and 9999 (`2024-01-31 12:34:56.789`, offset `+00` included). */
function isPlainTimestamp(input: Buffer, at: number, stop: number): boolean {
  return stop - at >= 19 && input[at + 4] === MINUS && input[at + 10] === SPACE;
}

/** timestamp: `2024-01-31T12:34:56.789123`; BC, years past 9999 and ±infinity are the decoder's. */
export const encodeTimestamp: FieldEncoder = (out, input, at, end) => {
  const stop = fieldEnd(input, at, end);
  if (!isPlainTimestamp(input, at, stop) || !isDigit(input[stop - 1])) return -1;
  putByte(out, QUOTE);
  copy(out, input, at, at + 10);
  putByte(out, 0x54);
  copy(out, input, at + 11, stop);
  putByte(out, QUOTE);
  return stop;
};

/** timestamptz, printed in UTC: `2024-01-31T12:34:56.789123Z`; as encodeTimestamp otherwise. */
export const encodeTimestampTz: FieldEncoder = (out, input, at, end) => {
  const stop = fieldEnd(input, at, end);
  const zulu = input[stop - 3] === PLUS && input[stop - 2] === ZERO && input[stop - 1] === ZERO;
  if (!isPlainTimestamp(input, at, stop) || !zulu) return -1;
  putByte(out, QUOTE);
  copy(out, input, at, at + 10);
  putByte(out, 0x54);
  copy(out, input, at + 11, stop - 3);
  putByte(out, 0x5a);
  putByte(out, QUOTE);
  return stop;
};

/**
 * jsonb: Postgres prints it as JSON, embedded as it is unless COPY escaped something in it (a
 * backslash in a string), which the decoder re-encodes. Numbers keep their digits where
 * JSON.parse would round them. (json keeps its input text, -0 and newlines included: it goes
 * through the decoder, as before.)
 */
export const encodeJson: FieldEncoder = (out, input, at, end) => {
  let p = at;
  for (; p < end; p++) {
    const byte = input[p]!;
    if (byte === TAB) break;
    if (byte === BACKSLASH || byte < SPACE) return -1;
  }
  if (p === at) return -1;
  copy(out, input, at, p);
  return p;
};

/** How one selected column is written. */
export interface CopyColumn extends Codec {
  readonly name: string;
  /** False for a column selected only to resume from (a cursor or key left out of the catalog). */
  readonly emitted: boolean;
}

/** A field's text, COPY's escapes undone, or null for NULL. */
export type FieldText = (field: number) => string | null;

/**
 * Turns whole COPY text rows into RECORD lines (`prefix` from the SDK's
 * `recordLinePrefix`). Rows may carry fields after the columns (read for positions only);
 * `positionOf` gives an incremental read's position of each row.
 */
export class RecordLineEncoder {
  private readonly prefix: Buffer;
  private readonly keys: Buffer[];
  private readonly fixedBytes: number;
  /** Where each field of the current row starts, and one past its end. */
  private readonly starts: Int32Array;

  constructor(
    prefix: string,
    private readonly columns: readonly CopyColumn[],
    private readonly fieldCount: number,
    private readonly positionOf?: (text: FieldText) => Position,
  ) {
    this.prefix = Buffer.from(`${prefix}{`);
    let first = true;
    this.keys = columns.map((column) => {
      const key = Buffer.from(`${first || !column.emitted ? '' : ','}${JSON.stringify(column.name)}:`);
      if (column.emitted) first = false;
      return key;
    });
    // Room a row needs besides 6 bytes per byte of its text (a control character's \u00XX):
    // the prefix, keys, suffix, and a few bytes per field (quotes, `null` for `\N`, `false` for `f`).
    this.fixedBytes = this.prefix.length + this.keys.reduce((sum, key) => sum + key.length, 0) + 64 + 8 * fieldCount;
    this.starts = new Int32Array(fieldCount + 1);
  }

  /** RECORD lines of the rows in `chunks` (whole rows, each ending with a newline), emitted at `emittedAt`. */
  encode(chunks: readonly Buffer[], emittedAt: number): EncodedRows {
    const suffix = Buffer.from(`}${recordLineSuffix(emittedAt)}`);
    const out = new JsonOutput(3 * chunks.reduce((sum, chunk) => sum + chunk.length, 0) + 1024);
    const ends: number[] = [];
    const positions: Position[] = [];
    let input = chunks[0]!;
    const text: FieldText = (field) => {
      const raw = input.toString('utf8', this.starts[field]!, this.starts[field + 1]! - 1);
      return raw === '\\N' ? null : raw.includes('\\') ? unescapeCopyText(raw) : raw;
    };
    let count = 0;
    for (input of chunks) {
      let start = 0;
      while (start < input.length) {
        let end = input.indexOf(LF, start);
        if (end < 0) end = input.length;
        out.reserve(this.fixedBytes + 6 * (end - start));
        out.put(this.prefix);
        const p = this.encodeFields(out, input, start, end);
        if (p !== end + 1) throw new Error(`a COPY row has more than the ${this.fieldCount} fields selected`);
        out.put(suffix);
        count++;
        if (this.positionOf) {
          positions.push(this.positionOf(text));
          ends.push(out.length);
        }
        start = end + 1;
      }
    }
    return { bytes: out.bytes.subarray(0, out.length), count, ends, positions };
  }

  /** Writes the row's emitted fields; returns one past the row's end. */
  private encodeFields(out: JsonOutput, input: Buffer, start: number, end: number): number {
    const starts = this.starts;
    let p = start;
    for (let i = 0; i < this.fieldCount; i++) {
      if (p > end) throw new Error(`a COPY row has fewer than the ${this.fieldCount} fields selected`);
      starts[i] = p;
      const column = this.columns[i];
      if (!column?.emitted) {
        p = fieldEnd(input, p, end) + 1;
        continue;
      }
      out.put(this.keys[i]!);
      if (input[p] === BACKSLASH && input[p + 1] === 0x4e && (p + 2 === end || input[p + 2] === TAB)) {
        out.put(NULL);
        p += 3;
        continue;
      }
      const mark = out.length;
      const stop = column.encode ? column.encode(out, input, p, end) : -1;
      if (stop >= 0) {
        p = stop + 1;
        continue;
      }
      out.length = mark;
      const fieldStop = fieldEnd(input, p, end);
      const raw = input.toString('utf8', p, fieldStop);
      out.putString(JSON.stringify(column.decode(raw.includes('\\') ? unescapeCopyText(raw) : raw)));
      p = fieldStop + 1;
    }
    starts[this.fieldCount] = p;
    return p;
  }
}
