import type { AirbyteMessage, AirbyteStateMessage, LineTaker } from '@backflow/protocol';
import type { LineMessage } from '../connectors/connector-session.js';
import type { Decision, StreamDiffer } from '../diff/stream-differ.js';
import { PrintedRecords, PrintedRow } from './printed-records.js';
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
  /** Records of the stream were read (once for rows of it read together, not once a row). */
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
  /** The stream of unchanged rows counted since `target.read` was last told. */
  let unreported: string | undefined;
  const report = () => {
    if (unreported !== undefined) target.read?.(unreported);
    unreported = undefined;
  };
  let printedBefore = 0;
  for await (const batch of source.batches(decode && printed.take)) {
    printedBefore = readAhead(batch, printedBefore);
    // Indexed: an iterator would allocate per row, across the awaits below.
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      if (target.stopped()) return false;
      if (item instanceof PrintedRow) {
        const { differ } = item;
        if (differ.unchangedPrinted(item.key, item.buffer, item.dataStart, item.dataEnd)) {
          differ.counts.read++;
          if (unreported !== item.stream) report();
          unreported = item.stream;
          if (differ.due) await target.decisions(item.stream, await differ.flush());
          continue;
        }
      }
      report();
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
    report();
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

/**
 * Has the store read ahead the keys of a batch's printed rows when their stream's keys come in
 * an order its own window cannot follow (it failed about half the `asked` keys of the batch
 * before): one query for the batch instead of a lookup per row. The rows of the first stream in
 * the batch only: a batch rarely holds two. Returns how many keys that was.
 */
function readAhead(batch: readonly (LineMessage | PrintedRow)[], asked: number): number {
  let differ: StreamDiffer | undefined;
  const keys: number[] = [];
  for (let i = 0; i < batch.length; i++) {
    const item = batch[i]!;
    if (!(item instanceof PrintedRow)) continue;
    differ ??= item.differ;
    if (item.differ === differ) keys.push(item.key);
  }
  if (differ?.readsAhead(asked)) differ.readAhead(keys);
  return keys.length;
}

const ROW_FIELDS = new Set(['stream', 'data', 'emitted_at']);

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
