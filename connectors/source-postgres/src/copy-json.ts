// Rows of `COPY … TO STDOUT` (text format) transcoded straight into RECORD lines: each
// column's text is written as its JSON value by an encoder chosen from the column's type,
// byte to byte, without a string or an object per row. What an encoder does not recognise
// (BC dates, NaN, escapes COPY never writes, arrays, bytea…) goes through the column's
// decoder from type-mapping.ts, so both ways give the values protocol/docs/types.md prescribes.
//
// Every field ends at a tab or at the row's newline, and COPY escapes both inside values:
// the loops below stop on either byte instead of also checking for the row's end.

import type { EncodedRows, Position } from '@backflow/protocol/connector';
import { recordLineSuffix } from '@backflow/protocol/connector';
import type { CopyDataRun } from './copy-out.js';
import { unescapeCopyText } from './copy-text.js';
import { Constant, JsonOutput, OutputPool } from './json-output.js';
import type { Codec } from './type-mapping.js';
import { BACKSLASH, DIGIT_0, DIGIT_9, LF, MINUS, PLUS, QUOTE, SPACE, TAB } from '@backflow/protocol/connector';

const HEX = Buffer.from('0123456789abcdef');

const NULL = new Constant('null');
const TRUE = new Constant('true');
const FALSE = new Constant('false');

/**
 * Writes the field of COPY text starting at `at` as JSON; returns where the field ends (at
 * its tab or the row's newline), or -1 when the text is not one the encoder recognises (what
 * it wrote is then dropped and the column's decoder takes the field). `end` is the row's
 * newline, for encoders that look ahead by a fixed width.
 */
export type FieldEncoder = (out: JsonOutput, input: Buffer, at: number, end: number) => number;

/** Whether `byte` ends a field: its tab, or the newline ending the row. */
const endsField = (byte: number) => byte === TAB || byte === LF;

// The input seen as 32-bit words, for the loops that copy 4 bytes at a time. Made once per
// input buffer (a socket read, many rows), kept here rather than passed to every encoder.
let viewed: Buffer | undefined;
let inputView: DataView = new DataView(new ArrayBuffer(0));

function viewOf(input: Buffer): DataView {
  if (input !== viewed) {
    viewed = input;
    inputView = new DataView(input.buffer, input.byteOffset, input.length);
  }
  return inputView;
}

// Tests of 4 bytes at once (from "Bit Twiddling Hacks"), exact as yes/no answers.
/** Non-zero when one of the 4 bytes of `word` is below 0x20: a control character, a tab, the newline. */
const hasByteBelowSpace = (word: number) => (word - 0x20202020) & ~word & 0x80808080;
/** Non-zero when one of the 4 bytes of `word` is the byte that `pattern` repeats (0x22222222: a quote). */
const hasByte = (word: number, pattern: number) => ((word ^ pattern) - 0x01010101) & ~(word ^ pattern) & 0x80808080;
/**
 * Of a non-zero result of the tests above (or of several, or-ed), the index of the first byte
 * flagged: a test may flag bytes after the first that matches, never before it.
 */
const firstFlagged = (flags: number) => (31 - Math.clz32(flags & -flags)) >> 3;

/**
 * Copies the bytes from `at` 4 at a time while none of them needs a look (a byte below a
 * space, or a backslash when `backslashes`) and the row has them, up to the first that does;
 * returns where it stopped, with `out.length` past what it copied.
 */
function copyPlainWords(out: JsonOutput, input: Buffer, at: number, end: number, backslashes: boolean): number {
  const view = viewOf(input);
  const outView = out.view;
  let o = out.length;
  let p = at;
  while (p + 3 <= end) {
    const word = view.getUint32(p, true);
    outView.setUint32(o, word, true);
    const special = backslashes ? hasByteBelowSpace(word) | hasByte(word, 0x5c5c5c5c) : hasByteBelowSpace(word);
    if (special !== 0) {
      const before = firstFlagged(special);
      o += before;
      p += before;
      break;
    }
    o += 4;
    p += 4;
  }
  out.length = o;
  return p;
}

/** Copies the field's bytes from `at` as they are; returns where it ends. */
function copyField(out: JsonOutput, input: Buffer, at: number, end: number): number {
  let p = copyPlainWords(out, input, at, end, false);
  const bytes = out.bytes;
  let o = out.length;
  for (let byte = input[p]!; byte !== TAB && byte !== LF; byte = input[++p]!) bytes[o++] = byte;
  out.length = o;
  return p;
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
  const view = viewOf(input);
  const outView = out.view;
  for (;;) {
    // Four bytes at a time while the row has them (its newline at `end` always needs a look).
    if (p + 3 <= end) {
      const word = view.getUint32(p, true);
      const special = hasByteBelowSpace(word) | hasByte(word, 0x22222222) | hasByte(word, 0x5c5c5c5c);
      outView.setUint32(o, word, true);
      if (special === 0) {
        o += 4;
        p += 4;
        continue;
      }
      // The bytes before the first that needs a look are written; the field's tab usually ends it here.
      const before = firstFlagged(special);
      o += before;
      p += before;
    }
    const byte = input[p]!;
    if (byte >= SPACE && byte !== QUOTE && byte !== BACKSLASH) {
      bytes[o++] = byte;
      p++;
    } else if (byte === TAB || byte === LF) {
      break;
    } else if (byte === QUOTE) {
      bytes[o++] = BACKSLASH;
      bytes[o++] = QUOTE;
      p++;
    } else if (byte === BACKSLASH) {
      const next = input[p + 1];
      // \\ \n \t \r \b \f; COPY never writes the others (\v, octal, hex), left to the decoder.
      if (next !== 0x5c && next !== 0x6e && next !== 0x74 && next !== 0x72 && next !== 0x62 && next !== 0x66) return -1;
      bytes[o++] = BACKSLASH;
      bytes[o++] = next;
      p += 2;
    } else {
      // A control character COPY leaves as it is: \u00XX.
      bytes[o++] = BACKSLASH;
      bytes[o++] = 0x75;
      bytes[o++] = DIGIT_0;
      bytes[o++] = DIGIT_0;
      bytes[o++] = HEX[byte >> 4]!;
      bytes[o++] = HEX[byte & 15]!;
      p++;
    }
  }
  bytes[o++] = QUOTE;
  out.length = o;
  return p;
};

/** smallint, integer, oid: Postgres prints them as JSON does. */
export const encodeInteger: FieldEncoder = (out, input, at, end) => {
  const stop = copyField(out, input, at, end);
  return stop === at ? -1 : stop;
};

/**
 * real, double precision: a finite value is printed as a JSON number (`0.1`, `1e+100`,
 * `1.5e-07`), which parses to the same double: Postgres prints one with digits, `.`, `e`,
 * `+` and `-` only, and NaN and ±Infinity (null) start with a letter. -0 (JSON.stringify
 * writes 0) and those are the decoder's.
 */
export const encodeFloat: FieldEncoder = (out, input, at, end) => {
  const first = input[at] === MINUS ? at + 1 : at;
  const lead = input[first]!;
  if (lead < DIGIT_0 || lead > DIGIT_9) return -1;
  const stop = copyField(out, input, at, end);
  if (first > at && stop === first + 1 && lead === DIGIT_0) return -1;
  return stop;
};

/** boolean: `t` or `f`. */
export const encodeBoolean: FieldEncoder = (out, input, at) => {
  if (!endsField(input[at + 1]!)) return -1;
  const byte = input[at];
  if (byte === 0x74) out.put(TRUE);
  else if (byte === 0x66) out.put(FALSE);
  else return -1;
  return at + 1;
};

/** date: `2024-01-31` as it is; BC, years past 9999 and ±infinity are the decoder's. */
export const encodeDate: FieldEncoder = (out, input, at, end) => {
  const stop = at + 10;
  if (stop > end || !endsField(input[stop]!) || input[at + 4] !== MINUS) return -1;
  // The 10 bytes as 3 words, the last overlapping the second.
  const view = viewOf(input);
  const first = view.getUint32(at, true);
  const second = view.getUint32(at + 4, true);
  const last = view.getUint32(at + 6, true);
  if ((hasByteBelowSpace(first) | hasByteBelowSpace(second) | hasByteBelowSpace(last)) !== 0) return -1;
  const o = out.length;
  const outView = out.view;
  out.bytes[o] = QUOTE;
  outView.setUint32(o + 1, first, true);
  outView.setUint32(o + 5, second, true);
  outView.setUint32(o + 7, last, true);
  out.bytes[o + 11] = QUOTE;
  out.length = o + 12;
  return stop;
};

/**
 * A timestamp between years 1 and 9999 (`2024-01-31 12:34:56.789`, offset `+00` included),
 * up to its time: `"2024-01-31T12:34:56` written, the rest of the field left to the caller;
 * false when the field is not one (BC, years past 9999, ±infinity are the decoder's).
 */
function putDateAndTime(out: JsonOutput, input: Buffer, at: number, end: number): boolean {
  if (at + 19 > end || input[at + 4] !== MINUS || input[at + 10] !== SPACE) return false;
  // The 19 bytes as 5 words, the last overlapping the fourth; the space at 10 becomes a T.
  const view = viewOf(input);
  const w0 = view.getUint32(at, true);
  const w1 = view.getUint32(at + 4, true);
  const w2 = view.getUint32(at + 8, true);
  const w3 = view.getUint32(at + 12, true);
  const w4 = view.getUint32(at + 15, true);
  const below =
    hasByteBelowSpace(w0) |
    hasByteBelowSpace(w1) |
    hasByteBelowSpace(w2) |
    hasByteBelowSpace(w3) |
    hasByteBelowSpace(w4);
  if (below !== 0) return false;
  const o = out.length;
  const outView = out.view;
  out.bytes[o] = QUOTE;
  outView.setUint32(o + 1, w0, true);
  outView.setUint32(o + 5, w1, true);
  outView.setUint32(o + 9, w2, true);
  outView.setUint32(o + 13, w3, true);
  outView.setUint32(o + 16, w4, true);
  out.bytes[o + 11] = 0x54;
  out.length = o + 20;
  return true;
}

/** timestamp: `2024-01-31T12:34:56.789123`; BC, years past 9999 and ±infinity are the decoder's. */
export const encodeTimestamp: FieldEncoder = (out, input, at, end) => {
  if (!putDateAndTime(out, input, at, end)) return -1;
  if (endsField(input[at + 19]!)) {
    out.bytes[out.length++] = QUOTE;
    return at + 19;
  }
  const stop = copyField(out, input, at + 19, end);
  const last = input[stop - 1]!;
  if (last < DIGIT_0 || last > DIGIT_9) return -1;
  out.bytes[out.length++] = QUOTE;
  return stop;
};

/** timestamptz, printed in UTC: `2024-01-31T12:34:56.789123Z`; as encodeTimestamp otherwise. */
export const encodeTimestampTz: FieldEncoder = (out, input, at, end) => {
  if (!putDateAndTime(out, input, at, end)) return -1;
  // Whole seconds, the field ending at its offset: no copy of the rest.
  if (
    input[at + 19] === PLUS &&
    input[at + 20] === DIGIT_0 &&
    input[at + 21] === DIGIT_0 &&
    endsField(input[at + 22]!)
  ) {
    const bytes = out.bytes;
    bytes[out.length++] = 0x5a;
    bytes[out.length++] = QUOTE;
    return at + 22;
  }
  const stop = copyField(out, input, at + 19, end);
  if (input[stop - 3] !== PLUS || input[stop - 2] !== DIGIT_0 || input[stop - 1] !== DIGIT_0) return -1;
  const bytes = out.bytes;
  out.length -= 3;
  bytes[out.length++] = 0x5a;
  bytes[out.length++] = QUOTE;
  return stop;
};

/**
 * jsonb: Postgres prints it as JSON, embedded as it is unless COPY escaped something in it (a
 * backslash in a string), which the decoder re-encodes. Numbers keep their digits where
 * JSON.parse would round them. (json keeps its input text, -0 and newlines included: it goes
 * through the decoder, as before.)
 */
export const encodeJson: FieldEncoder = (out, input, at, end) => {
  let p = copyPlainWords(out, input, at, end, true);
  const bytes = out.bytes;
  let o = out.length;
  for (let byte = input[p]!; byte >= SPACE && byte !== BACKSLASH; byte = input[++p]!) bytes[o++] = byte;
  if (p === at || !endsField(input[p]!)) return -1;
  out.length = o;
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

/** The encoders with a direct call site in `RecordLineEncoder`, by their index there. */
const DIRECT: readonly FieldEncoder[] = [
  encodeString,
  encodeInteger,
  encodeFloat,
  encodeBoolean,
  encodeDate,
  encodeTimestamp,
  encodeTimestampTz,
  encodeJson,
];
/** A column without an encoder: its decoder takes every field. */
const DECODED = -1;
/** A column selected only to resume from: skipped. */
const SKIPPED = -2;

/**
 * Turns whole COPY text rows, as the CopyData messages that carry them, into RECORD lines
 * (`prefix` from the SDK's `recordLinePrefix`). Rows may carry fields after the columns (read
 * for positions only); `positionOf` gives an incremental read's position of each row.
 */
export class RecordLineEncoder {
  private readonly prefix: Constant;
  private readonly keys: Constant[];
  /** Each field's entry in DIRECT, DECODED or SKIPPED. */
  private readonly kinds: Int8Array;
  private readonly fixedBytes: number;
  /** Two free output buffers of at least 2 MiB: room for a batch of ~520 KiB of COPY text (the queue's limit and a read past it, see copy-out.ts). */
  private readonly pool = new OutputPool(2, 2 << 20);
  /** Where each field of the current row starts, and one past its end. */
  private readonly starts: Int32Array;

  constructor(
    prefix: string,
    private readonly columns: readonly CopyColumn[],
    private readonly fieldCount: number,
    private readonly positionOf?: (text: FieldText) => Position,
  ) {
    this.prefix = new Constant(`${prefix}{`);
    let first = true;
    this.keys = columns.map((column) => {
      const key = new Constant(`${first || !column.emitted ? '' : ','}${JSON.stringify(column.name)}:`);
      if (column.emitted) first = false;
      return key;
    });
    this.kinds = Int8Array.from({ length: fieldCount }, (_, i) => {
      const column = columns[i];
      if (!column?.emitted) return SKIPPED;
      const direct = column.encode ? DIRECT.indexOf(column.encode) : -1;
      if (column.encode && direct < 0)
        throw new Error(`column "${column.name}" has an encoder this file does not know`);
      return direct < 0 ? DECODED : direct;
    });
    // Room a row needs besides 6 bytes per byte of its text (a control character's \u00XX):
    // the prefix, keys, suffix, and a few bytes per field (quotes, `null` for `\N`, `false` for `f`).
    this.fixedBytes = this.prefix.length + this.keys.reduce((sum, key) => sum + key.length, 0) + 64 + 8 * fieldCount;
    this.starts = new Int32Array(fieldCount + 1);
  }

  /** RECORD lines of the rows in `runs`, emitted at `emittedAt`. */
  encode(runs: readonly CopyDataRun[], emittedAt: number): EncodedRows {
    const suffix = new Constant(`}${recordLineSuffix(emittedAt)}`);
    const out = new JsonOutput(this.pool, 3 * runs.reduce((sum, run) => sum + run.end - run.start, 0) + 1024);
    const ends: number[] = [];
    const positions: Position[] = [];
    let input = runs[0]?.bytes ?? Buffer.alloc(0);
    const text: FieldText = (field) => {
      const raw = input.toString('utf8', this.starts[field]!, this.starts[field + 1]! - 1);
      return raw === '\\N' ? null : raw.includes('\\') ? unescapeCopyText(raw) : raw;
    };
    let count = 0;
    for (const run of runs) {
      input = run.bytes;
      // Each message: `d`, its length (4 bytes, itself included), one row ending with a newline.
      for (let message = run.start; message < run.end;) {
        const next = message + 1 + input.readUInt32BE(message + 1);
        const end = next - 1;
        if (input[end] !== LF) throw new Error('a COPY row does not end with a newline');
        out.reserve(this.fixedBytes + 6 * (end - message));
        out.put(this.prefix);
        if (this.encodeFields(out, input, message + 5, end) !== next) {
          throw new Error(`a COPY row has more than the ${this.fieldCount} fields selected`);
        }
        out.put(suffix);
        count++;
        if (this.positionOf) {
          positions.push(this.positionOf(text));
          ends.push(out.length);
        }
        message = next;
      }
    }
    let given = false;
    const written = () => {
      // Once only: a buffer given back twice could be filled by two batches at once.
      if (!given) this.pool.give(out.bytes);
      given = true;
    };
    return { bytes: out.bytes.subarray(0, out.length), count, ends, positions, written };
  }

  /** Writes the row's emitted fields; returns one past the row's end. */
  private encodeFields(out: JsonOutput, input: Buffer, start: number, end: number): number {
    const starts = this.starts;
    const kinds = this.kinds;
    const keys = this.keys;
    const fieldCount = this.fieldCount;
    let p = start;
    for (let i = 0; i < fieldCount; i++) {
      if (p > end) throw new Error(`a COPY row has fewer than the ${fieldCount} fields selected`);
      starts[i] = p;
      const kind = kinds[i]!;
      if (kind === SKIPPED) {
        while (!endsField(input[p]!)) p++;
        p++;
        continue;
      }
      // The key's words stored here rather than through `put`: V8 stops inlining calls in this
      // loop before it reaches that one, and the call was a tenth of the encoding.
      const key = keys[i]!;
      const words = key.words;
      const view = out.view;
      const o = out.length;
      for (let w = 0; w < words.length; w++) view.setUint32(o + 4 * w, words[w]!, true);
      out.length = o + key.length;
      if (input[p] === BACKSLASH && input[p + 1] === 0x4e && endsField(input[p + 2]!)) {
        out.put(NULL);
        p += 3;
        continue;
      }
      const mark = out.length;
      const stop = this.encodeField(kind, out, input, p, end);
      if (stop >= 0) {
        p = stop + 1;
        continue;
      }
      out.length = mark;
      let fieldStop = p;
      while (!endsField(input[fieldStop]!)) fieldStop++;
      const raw = input.toString('utf8', p, fieldStop);
      out.putString(JSON.stringify(this.columns[i]!.decode(raw.includes('\\') ? unescapeCopyText(raw) : raw)));
      p = fieldStop + 1;
    }
    starts[fieldCount] = p;
    return p;
  }

  /** A switch of direct calls rather than one call through a function value: V8 inlines each. */
  private encodeField(kind: number, out: JsonOutput, input: Buffer, at: number, end: number): number {
    switch (kind) {
      case 0:
        return encodeString(out, input, at, end);
      case 1:
        return encodeInteger(out, input, at, end);
      case 2:
        return encodeFloat(out, input, at, end);
      case 3:
        return encodeBoolean(out, input, at, end);
      case 4:
        return encodeDate(out, input, at, end);
      case 5:
        return encodeTimestamp(out, input, at, end);
      case 6:
        return encodeTimestampTz(out, input, at, end);
      case 7:
        return encodeJson(out, input, at, end);
      default:
        return -1;
    }
  }
}
