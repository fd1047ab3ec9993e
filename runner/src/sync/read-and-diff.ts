import type { AirbyteMessage, AirbyteRecordMessage, AirbyteStateMessage, LineTaker } from '@backflow/protocol';
import type { LineMessage } from '../connectors/connector-session.js';
import type { Decision, StreamDiffer } from '../diff/stream-differ.js';
import type { RecordValidator } from './record-validator.js';

/** What the reader needs of a running source: its messages, and its end. */
export interface SourceMessages {
  /**
   * Messages in order, a few at a time (each array as they arrived together); the lines that
   * `take` accepts come unparsed, as what it returned.
   */
  batches(take?: LineTaker<PrintedRow>): AsyncIterable<readonly (LineMessage | PrintedRow)[]>;
  /** Parses and checks a line that `batches` handed over unparsed, as `batches` would have. Without it, every line is parsed. */
  decode?(text: string, line: number): LineMessage;
  /** Waits for the source to exit; fails if it failed. */
  finish(): Promise<void>;
}

/** Where the reader hands what it decided. */
export interface ReadTarget {
  /** What to do with rows of a stream, in read order. */
  decisions(stream: string, decisions: readonly Decision[]): Promise<void> | void;
  /** A source STATE, once every row read before it has been decided and handed over. Without it, states are ignored. */
  state?(state: AirbyteStateMessage): Promise<void>;
  /** A record of the stream was read. */
  read?(stream: string): void;
  /** True once reading should stop (a failure elsewhere). */
  stopped(): boolean;
}

/**
 * Reads a source and diffs what it reads, as `sync` and `plan` both do: every RECORD is
 * checked against its stream's schema, counted and classified by its stream's differ
 * (batched, one store round trip per batch); before a STATE goes on, every row read before it
 * is decided. Once the source has finished, each stream's rows set aside as possible
 * duplicates and its removed rows are decided too. Returns false when stopped early.
 */
export async function readAndDiff(
  source: SourceMessages,
  validator: RecordValidator,
  differs: ReadonlyMap<string, StreamDiffer>,
  target: ReadTarget,
): Promise<boolean> {
  const printed = new PrintedRecords();
  const drainAll = async () => {
    for (const [stream, differ] of differs) {
      if (differ.queued > 0) await target.decisions(stream, await differ.flush());
    }
  };
  const decode = source.decode?.bind(source);
  for await (const batch of source.batches(decode && printed.take)) {
    for (const item of batch) {
      if (target.stopped()) return false;
      if (item instanceof PrintedRow) {
        const { differ } = item;
        if (differ.unchangedPrinted(item.key, item.data())) {
          differ.counts.read++;
          if (differ.due) await target.decisions(item.stream, await differ.flush());
          target.read?.(item.stream);
          continue;
        }
      }
      const { line, message, text } = item instanceof PrintedRow ? decode!(item.text(), item.line) : item;
      if (message.type === 'RECORD' && message.record) {
        const stream = validator.check(message.record, line);
        const differ = differs.get(stream)!;
        differ.counts.read++;
        const row = onlyRow(message);
        const dataText = row ? printed.dataText(stream, message.record, text, differ) : undefined;
        const decided = differ.add(message.record.data as Record<string, unknown>, row ? text : undefined, dataText);
        if (decided.length > 0) {
          // Most rows are decided at once and sent without waiting: no await (a turn each) for them.
          const sending = target.decisions(stream, decided);
          if (sending) await sending;
        }
        if (differ.due) await target.decisions(stream, await differ.flush());
        target.read?.(stream);
      } else if (message.type === 'STATE' && message.state && target.state) {
        // Records read before a source state are sent before it, so its echo covers them.
        await drainAll();
        await target.state(message.state);
      }
    }
  }
  if (target.stopped()) return false;
  await drainAll();
  await source.finish();
  for (const [stream, differ] of differs) {
    for await (const decisions of differ.finishRead(true)) {
      await target.decisions(stream, decisions);
      if (target.stopped()) return false;
    }
  }
  return true;
}

const ROW_FIELDS = new Set(['stream', 'data', 'emitted_at']);
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
    const keyField = differ?.printedKeyField;
    if (keyField !== undefined && !this.known.some((layout) => layout.differ === differ)) {
      this.known.push({ stream, differ: differ!, prefix: Buffer.from(prefix), keyField: Buffer.from(keyField) });
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
    private readonly buffer: Buffer,
    private readonly start: number,
    private readonly end: number,
    private readonly dataStart: number,
    private readonly dataEnd: number,
  ) {}

  /** The row's data as printed (a view of the line's bytes). */
  data(): Buffer {
    return this.buffer.subarray(this.dataStart, this.dataEnd);
  }

  text(): string {
    return this.buffer.toString('utf8', this.start, this.end);
  }
}

const EMITTED_AT = Buffer.from(',"emitted_at":');
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const QUOTE = 0x22;
const MINUS = 0x2d;
const CLOSE = 0x7d;
const COMMA = 0x2c;
/** Digits of the longest integer key read from text: 15 are always a safe integer (as `fingerprintKey` has it). */
const MAX_KEY_DIGITS = 15;

/** Whether `buffer` holds `bytes` at `at` (a loop: for a few dozen bytes, cheaper than a call to `Buffer.compare`). */
function holdsAt(buffer: Buffer, at: number, bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (buffer[at + i] !== bytes[i]) return false;
  return true;
}

/** Where `,"emitted_at":<digits>}}` ends the line `[from, end)`, or -1. */
function emittedAtStart(buffer: Buffer, from: number, end: number): number {
  if (buffer[end - 1] !== CLOSE || buffer[end - 2] !== CLOSE) return -1;
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
  if (buffer[at] !== COMMA && buffer[at] !== CLOSE) return undefined;
  return negative ? -value : value;
}

/**
 * A RECORD whose line holds nothing but the row, its stream and its time, so the line can
 * stand for the record at the destination (fields such as `meta` or `operation` are not
 * passed on by the runner).
 */
function onlyRow(message: AirbyteMessage): boolean {
  for (const field in message) if (field !== 'type' && field !== 'record') return false;
  for (const field in message.record) {
    if (field === 'namespace' ? !message.record.namespace : !ROW_FIELDS.has(field)) return false;
  }
  return true;
}
