import type { RecordBytes } from '@backflow/protocol/connector';
import {
  BACKSLASH,
  BRACE_CLOSE,
  BRACE_OPEN,
  BRACKET_CLOSE,
  BRACKET_OPEN,
  COLON,
  COMMA,
  CR,
  DIGIT_0,
  DIGIT_9,
  LF,
  MINUS,
  QUOTE,
  SPACE,
  TAB,
} from '@backflow/protocol/connector';

/** What a record's data held for a column, as DataScanner found it. */
export const Found = {
  /** No member of that name. */
  absent: 0,
  null: 1,
  /** A string of printable ASCII without escapes: its text is the bytes between the quotes. */
  plainString: 2,
  /** `true`, `false` or an integer of at most 15 digits: its text is the token as it stands. */
  plainToken: 3,
  /**
   * An object or array of such strings and tokens, spaced by blanks only: as JSON it means
   * what JSON.stringify would print of it.
   */
  plainJson: 4,
  /** Anything else (escapes, other numbers, non-ASCII text): the token must be parsed. */
  json: 5,
} as const;
export type Found = (typeof Found)[keyof typeof Found];

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');
/** Integers this long print back as they are written (String(Number(token)) === token). */
const MAX_PLAIN_DIGITS = 15;
/** Deeper values are left to JSON.parse. */
const MAX_PLAIN_DEPTH = 32;

/**
 * Finds the members of a record's data object (its JSON text) that name the given columns,
 * without building the object: for each column, what it holds and where its token lies. A
 * data object it cannot vouch for (a key with escapes or non-ASCII bytes, anything that is not
 * plainly valid JSON) is left to JSON.parse, which gives the same values or the error.
 * Members named twice keep the last, as JSON.parse does.
 */
export class DataScanner {
  readonly found: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  private readonly names: readonly Buffer[];

  constructor(columns: readonly string[]) {
    this.names = columns.map((name) => Buffer.from(name));
    this.found = new Uint8Array(columns.length);
    this.starts = new Int32Array(columns.length);
    this.ends = new Int32Array(columns.length);
  }

  /** Scans `bytes`; false when the data must be parsed instead. */
  scan({ buffer, start, end }: RecordBytes): boolean {
    this.found.fill(Found.absent);
    let at = skipSpace(buffer, start, end);
    if (buffer[at] !== BRACE_OPEN) return false;
    at = skipSpace(buffer, at + 1, end);
    if (buffer[at] === BRACE_CLOSE) return skipSpace(buffer, at + 1, end) === end;
    let guess = 0;
    for (;;) {
      if (buffer[at] !== QUOTE) return false;
      const keyStart = at + 1;
      let keyEnd = keyStart;
      while (keyEnd < end && buffer[keyEnd] !== QUOTE) {
        const byte = buffer[keyEnd]!;
        if (byte === BACKSLASH || byte < 0x20 || byte > 0x7e) return false;
        keyEnd++;
      }
      if (keyEnd >= end) return false;
      at = skipSpace(buffer, keyEnd + 1, end);
      if (buffer[at] !== COLON) return false;
      at = skipSpace(buffer, at + 1, end);
      const tokenStart = at;
      const found = this.token(buffer, at, end);
      if (found < 0) return false;
      at = this.tokenEnd;
      const column = this.column(buffer, keyStart, keyEnd, guess);
      if (column >= 0) {
        this.found[column] = found;
        this.starts[column] = tokenStart;
        this.ends[column] = at;
        guess = column + 1;
      } else if (found === Found.json && !parses(buffer, tokenStart, at)) return false;
      at = skipSpace(buffer, at, end);
      if (buffer[at] === COMMA) at = skipSpace(buffer, at + 1, end);
      else if (buffer[at] === BRACE_CLOSE) return skipSpace(buffer, at + 1, end) === end;
      else return false;
    }
  }

  /** Where the last token scanned ends. */
  private tokenEnd = 0;

  /** What the value token at `at` is (setting tokenEnd), or -1 when it is not JSON. */
  private token(buffer: Buffer, at: number, end: number): Found | -1 {
    const first = buffer[at];
    if (first === QUOTE) {
      let plain = true;
      for (let i = at + 1; i < end; i++) {
        const byte = buffer[i]!;
        if (byte === QUOTE) {
          this.tokenEnd = i + 1;
          return plain ? Found.plainString : Found.json;
        }
        if (byte < 0x20) return -1;
        if (byte === BACKSLASH) {
          plain = false;
          i++;
        } else if (byte > 0x7e) plain = false;
      }
      return -1;
    }
    if (first === BRACE_OPEN || first === BRACKET_OPEN) {
      const plain = this.plainJsonEnd(buffer, at, end);
      if (plain > 0) {
        this.tokenEnd = plain;
        return Found.plainJson;
      }
      let depth = 0;
      for (let i = at; i < end; i++) {
        const byte = buffer[i]!;
        if (byte === QUOTE) {
          for (i++; i < end && buffer[i] !== QUOTE; i++) if (buffer[i] === BACKSLASH) i++;
        } else if (byte === BRACE_OPEN || byte === BRACKET_OPEN) depth++;
        else if ((byte === BRACE_CLOSE || byte === BRACKET_CLOSE) && --depth === 0) {
          this.tokenEnd = i + 1;
          return Found.json;
        }
      }
      return -1;
    }
    if (first === MINUS || (first !== undefined && first >= DIGIT_0 && first <= DIGIT_9)) {
      let i = at;
      while (i < end && !isDelimiter(buffer[i]!)) i++;
      this.tokenEnd = i;
      return isPlainInteger(buffer, at, i) ? Found.plainToken : Found.json;
    }
    if (matches(buffer, at, end, NULL)) {
      this.tokenEnd = at + NULL.length;
      return Found.null;
    }
    for (const literal of [TRUE, FALSE]) {
      if (matches(buffer, at, end, literal)) {
        this.tokenEnd = at + literal.length;
        return Found.plainToken;
      }
    }
    return -1;
  }

  /** Open containers of plainJsonEnd: whether each is an object. */
  private readonly open = new Uint8Array(MAX_PLAIN_DEPTH);

  /**
   * Where the object or array at `at` ends when it is valid JSON holding only plain strings
   * and tokens, with spaces as its only blanks (a tab or line break would end a COPY field);
   * -1 otherwise, and the token is left to JSON.parse.
   */
  private plainJsonEnd(buffer: Buffer, at: number, end: number): number {
    const { open } = this;
    let depth = 0;
    let i = at;
    // Each turn reads one value, then what closes or separates it.
    for (;;) {
      while (i < end && buffer[i] === SPACE) i++;
      if (i >= end) return -1;
      const byte = buffer[i];
      if (byte === BRACE_OPEN || byte === BRACKET_OPEN) {
        if (depth === MAX_PLAIN_DEPTH) return -1;
        const object = byte === BRACE_OPEN;
        open[depth++] = object ? 1 : 0;
        i++;
        while (buffer[i] === SPACE) i++;
        if (buffer[i] === (object ? BRACE_CLOSE : BRACKET_CLOSE)) {
          depth--;
          i++;
        } else {
          if (object && (i = this.plainName(buffer, i, end)) < 0) return -1;
          continue;
        }
      } else if (byte === QUOTE) {
        i = plainStringEnd(buffer, i, end);
        if (i < 0) return -1;
      } else {
        const found = this.token(buffer, i, end);
        if (found !== Found.plainToken && found !== Found.null) return -1;
        i = this.tokenEnd;
      }
      // After a value: close containers, or go on to the next member or element.
      for (;;) {
        if (depth === 0) return i;
        while (i < end && buffer[i] === SPACE) i++;
        if (i >= end) return -1;
        const object = open[depth - 1] === 1;
        if (buffer[i] === (object ? BRACE_CLOSE : BRACKET_CLOSE)) {
          depth--;
          i++;
          continue;
        }
        if (buffer[i] !== COMMA) return -1;
        i++;
        if (object && (i = this.plainName(buffer, i, end)) < 0) return -1;
        break;
      }
    }
  }

  /** Past `"name":` (blanks allowed) at `at`, the name a plain string; -1 when not. */
  private plainName(buffer: Buffer, at: number, end: number): number {
    while (at < end && buffer[at] === SPACE) at++;
    if (buffer[at] !== QUOTE) return -1;
    let i = plainStringEnd(buffer, at, end);
    if (i < 0) return -1;
    while (i < end && buffer[i] === SPACE) i++;
    return i < end && buffer[i] === COLON ? i + 1 : -1;
  }

  private column(buffer: Buffer, start: number, end: number, guess: number): number {
    const { names } = this;
    if (guess < names.length && sameBytes(names[guess]!, buffer, start, end)) return guess;
    for (let i = 0; i < names.length; i++) if (sameBytes(names[i]!, buffer, start, end)) return i;
    return -1;
  }
}

/** Just past the string opening at `at` when it is printable ASCII without escapes; else -1. */
function plainStringEnd(buffer: Buffer, at: number, end: number): number {
  for (let i = at + 1; i < end; i++) {
    const byte = buffer[i]!;
    if (byte === QUOTE) return i + 1;
    if (byte === BACKSLASH || byte < 0x20 || byte > 0x7e) return -1;
  }
  return -1;
}

function skipSpace(buffer: Buffer, at: number, end: number): number {
  while (at < end) {
    const byte = buffer[at];
    if (byte !== SPACE && byte !== TAB && byte !== LF && byte !== CR) break;
    at++;
  }
  return at;
}

function isDelimiter(byte: number): boolean {
  return (
    byte === COMMA ||
    byte === BRACE_CLOSE ||
    byte === BRACKET_CLOSE ||
    byte === SPACE ||
    byte === TAB ||
    byte === LF ||
    byte === CR
  );
}

/** `0` or `-?[1-9][0-9]{0,14}`: printed back unchanged by String(Number(…)). */
function isPlainInteger(buffer: Buffer, start: number, end: number): boolean {
  let at = buffer[start] === MINUS ? start + 1 : start;
  const digits = end - at;
  if (digits < 1 || digits > MAX_PLAIN_DIGITS) return false;
  if (buffer[at] === DIGIT_0) return digits === 1 && at === start;
  for (; at < end; at++) if (buffer[at]! < DIGIT_0 || buffer[at]! > DIGIT_9) return false;
  return true;
}

function matches(buffer: Buffer, at: number, end: number, literal: Buffer): boolean {
  if (end - at < literal.length) return false;
  for (let i = 0; i < literal.length; i++) if (buffer[at + i] !== literal[i]) return false;
  return true;
}

function sameBytes(name: Buffer, buffer: Buffer, start: number, end: number): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (name[i] !== buffer[start + i]) return false;
  return true;
}

function parses(buffer: Buffer, start: number, end: number): boolean {
  try {
    JSON.parse(buffer.toString('utf8', start, end));
    return true;
  } catch {
    return false;
  }
}
