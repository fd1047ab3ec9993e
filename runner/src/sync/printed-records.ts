import type { AirbyteRecordMessage, LineTaker } from '@backflow/protocol';
import type { StreamDiffer } from '../diff/stream-differ.js';
import { BRACE_CLOSE, COMMA, DIGIT_0, DIGIT_9, MINUS, QUOTE } from '@backflow/protocol/connector';

/** How Backflow's SDK ends a record line, after the data: nothing else can follow it. */
const EMITTED_AT_TAIL = /^,"emitted_at":\d+\}\}$/;

/**
 * Finds a record's data in its line as Backflow's SDK prints it
 * (`{"type":"RECORD","record":{"stream":…,"data":<data>,"emitted_at":<ms>}}`, no spaces), so
 * the diff can hash the row's text as printed. Any other layout gives nothing.
 *
 * Once a stream's line has been found so, later lines of that stream whose data starts with
 * an integer key (`{"id":123,` or `{"id":"123",`) are taken before they are parsed (`take`),
 * as a `PrintedRow`: its differ may prove it unchanged from its text alone.
 */
export class PrintedRecords {
  /** Each stream's line start, up to its data. */
  private readonly prefixes = new Map<string, string>();
  /** Streams whose lines `take` recognises, the last one recognised first. */
  private readonly known: Layout[] = [];
  /** Differs already asked for their `printedKeyField`: once a stream, not once a row. */
  private readonly weighed = new Set<StreamDiffer>();

  dataText(stream: string, record: AirbyteRecordMessage, line: string, differ?: StreamDiffer): string | undefined {
    let prefix = this.prefixes.get(stream);
    if (prefix === undefined) {
      const descriptor = record.namespace
        ? { stream: record.stream, namespace: record.namespace }
        : { stream: record.stream };
      prefix = `{"type":"RECORD","record":${JSON.stringify(descriptor).slice(0, -1)},"data":`;
      this.prefixes.set(stream, prefix);
    }
    if (!line.startsWith(prefix)) return undefined;
    const end = line.lastIndexOf(',"emitted_at":');
    if (end <= prefix.length || !EMITTED_AT_TAIL.test(line.slice(end))) return undefined;
    if (differ && !this.weighed.has(differ)) {
      this.weighed.add(differ);
      const keyField = differ.printedKeyField;
      if (keyField !== undefined) {
        this.known.push({ stream, differ, prefix: Buffer.from(prefix), keyField: Buffer.from(keyField) });
      }
    }
    return line.slice(prefix.length, end);
  }

  /** See the class: a `LineTaker` for `ConnectorSession.batches`. */
  readonly take: LineTaker<PrintedRow> = (buffer, start, end, line) => {
    const known = this.known;
    if (known.length === 0) return undefined;
    let found = -1;
    for (let i = 0; i < known.length && found < 0; i++) {
      const { prefix } = known[i]!;
      if (end - start > prefix.length && holdsAt(buffer, start, prefix)) found = i;
    }
    if (found < 0) return undefined;
    const layout = known[found]!;
    if (found > 0) known.unshift(...known.splice(found, 1));
    const dataStart = start + layout.prefix.length;
    const dataEnd = emittedAtStart(buffer, dataStart, end);
    if (dataEnd < 0) return undefined;
    const key = leadingIntegerKey(buffer, dataStart + layout.keyField.length, dataEnd, layout.keyField, dataStart);
    if (key === undefined) return undefined;
    return new PrintedRow(layout.stream, layout.differ, key, line, buffer, start, end, dataStart, dataEnd);
  };
}

interface Layout {
  readonly stream: string;
  readonly differ: StreamDiffer;
  /** The line up to the data (`PrintedRecords.prefixes`), as bytes. */
  readonly prefix: Buffer;
  /** `{"<key field>":` */
  readonly keyField: Buffer;
}

/** A record line not parsed yet, of a stream whose rows `PrintedRecords.take` recognises. */
export class PrintedRow {
  constructor(
    readonly stream: string,
    readonly differ: StreamDiffer,
    /** The primary key, read from the start of the data. */
    readonly key: number,
    readonly line: number,
    /** The chunk read that holds the line, valid until the row is handled. */
    readonly buffer: Buffer,
    private readonly start: number,
    private readonly end: number,
    /** Where in `buffer` the row's data as printed starts and ends. */
    readonly dataStart: number,
    readonly dataEnd: number,
  ) {}

  text(): string {
    return this.buffer.toString('utf8', this.start, this.end);
  }
}

const EMITTED_AT = Buffer.from(',"emitted_at":');
/** Digits of the longest integer key read from text: 15 are always a safe integer (as `fingerprintKey` has it). */
const MAX_KEY_DIGITS = 15;

/** Whether `buffer` holds `bytes` at `at` (a loop: for a few dozen bytes, cheaper than a call to `Buffer.compare`). */
function holdsAt(buffer: Buffer, at: number, bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (buffer[at + i] !== bytes[i]) return false;
  return true;
}

/** Where `,"emitted_at":<digits>}}` ends the line `[from, end)`, or -1. */
function emittedAtStart(buffer: Buffer, from: number, end: number): number {
  if (buffer[end - 1] !== BRACE_CLOSE || buffer[end - 2] !== BRACE_CLOSE) return -1;
  let i = end - 2;
  while (i > from && buffer[i - 1]! >= DIGIT_0 && buffer[i - 1]! <= DIGIT_9) i--;
  if (i === end - 2) return -1;
  const at = i - EMITTED_AT.length;
  if (at <= from || !holdsAt(buffer, at, EMITTED_AT)) return -1;
  return at;
}

/**
 * The integer that the data `[dataStart, end)` holds first, under the key field: the data
 * must start with `keyField`, then a number or a string of digits as `fingerprintKey` takes
 * them, then `,` or `}`. Anything else gives undefined.
 */
function leadingIntegerKey(
  buffer: Buffer,
  at: number,
  end: number,
  keyField: Buffer,
  dataStart: number,
): number | undefined {
  if (at >= end || !holdsAt(buffer, dataStart, keyField)) return undefined;
  const quoted = buffer[at] === QUOTE;
  if (quoted) at++;
  const negative = buffer[at] === MINUS;
  if (negative) at++;
  const first = at;
  let value = 0;
  while (at < end && buffer[at]! >= DIGIT_0 && buffer[at]! <= DIGIT_9) value = value * 10 + buffer[at++]! - DIGIT_0;
  const digits = at - first;
  if (digits === 0 || digits > MAX_KEY_DIGITS || (digits > 1 && buffer[first] === DIGIT_0)) return undefined;
  if (quoted && buffer[at++] !== QUOTE) return undefined;
  if (buffer[at] !== COMMA && buffer[at] !== BRACE_CLOSE) return undefined;
  return negative ? -value : value;
}
