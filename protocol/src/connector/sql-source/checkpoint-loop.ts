import { checkpoint, RecordLines, type Checkpoint } from '../definitions.js';
import type { CheckpointPlanner, Position } from './checkpoint-planner.js';
import type { JsonValue } from './cursor-state.js';
import type { SqlColumn, SqlReadPlan } from './read-plan.js';

/** How a source turns one of its rows into a record and a resume position. */
export interface RowReader<Row> {
  /** The record: the plan's emitted columns only. */
  record(row: Row): Record<string, unknown>;
  /** The row's cursor and key values; called for incremental reads only. */
  position(row: Row): Position;
}

/**
 * The reader of rows already converted to objects keyed by the selected column names (their
 * values in RECORD representation, which is also what is bound back on resume).
 */
export function namedRowReader(plan: SqlReadPlan<SqlColumn>): RowReader<Record<string, JsonValue>> {
  const emitted = plan.emitted;
  const all = emitted.length === plan.select.length;
  const cursor = plan.incremental?.cursor.name;
  const key = plan.incremental?.key.map((column) => column.name) ?? [];
  return {
    record(row) {
      if (all) return row;
      const picked: Record<string, unknown> = {};
      for (const name of emitted) picked[name] = row[name];
      return picked;
    },
    position: (row) => ({ cursor: row[cursor!] ?? null, key: key.map((name) => row[name] ?? null) }),
  };
}

/**
 * The one checkpoint loop of the SQL sources: the rows of a planned read as records, with
 * checkpoints where the plan's planner puts them and one closing the read. Each source
 * streams rows its own way (a server-side cursor, `COPY`, result pages, chunks); the loop
 * pulls the next row only once the previous record was written.
 */
export async function* checkpointedRows<Row>(
  rows: AsyncIterable<Row>,
  plan: SqlReadPlan<SqlColumn>,
  reader: RowReader<Row>,
): AsyncGenerator<Record<string, unknown> | Checkpoint> {
  const planner = plan.incremental?.planner;
  if (!planner) {
    for await (const row of rows) yield reader.record(row);
    return;
  }
  for await (const row of rows) {
    const position = reader.position(row);
    const before = planner.before(position);
    if (before) yield checkpoint(before);
    yield reader.record(row);
    const after = planner.after(position);
    if (after) yield checkpoint(after);
  }
  const final = planner.final();
  if (final) yield checkpoint(final);
}

/**
 * A batch of rows a source encoded as RECORD lines itself (see `RecordLines`). For
 * incremental reads each row also gives its position and the offset in `bytes` where its line
 * ends; full refreshes leave both empty.
 */
export interface EncodedRows {
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly ends: readonly number[];
  readonly positions: readonly Position[];
  /** Called once all of `bytes` are written out (see `RecordLines.written`). */
  readonly written?: () => void;
}

/**
 * `checkpointedRows` for rows already encoded as RECORD lines: each batch goes out as one
 * write, cut where the planner puts a checkpoint between two of its rows.
 */
export async function* checkpointedLines(
  batches: AsyncIterable<EncodedRows>,
  plan: SqlReadPlan<SqlColumn>,
): AsyncGenerator<RecordLines | Checkpoint> {
  const planner = plan.incremental?.planner;
  for await (const batch of batches) {
    if (!planner) yield new RecordLines(batch.bytes, batch.count, batch.written);
    else yield* cutAtCheckpoints(batch, planner);
  }
  const final = planner?.final();
  if (final) yield checkpoint(final);
}

/**
 * A batch's lines cut where `planner` puts checkpoints, with the checkpoints between them;
 * the batch's `written` goes with its last lines, written after the others.
 */
function cutAtCheckpoints(
  { bytes, count, ends, positions, written }: EncodedRows,
  planner: CheckpointPlanner,
): (RecordLines | Checkpoint)[] {
  const items: (RecordLines | Checkpoint)[] = [];
  // The first row not written yet, and where its line starts.
  let first = 0;
  let from = 0;
  for (let i = 0; i < count; i++) {
    const before = planner.before(positions[i]!);
    if (before) {
      const start = i === 0 ? 0 : ends[i - 1]!;
      if (i > first) items.push(new RecordLines(bytes.subarray(from, start), i - first));
      first = i;
      from = start;
      items.push(checkpoint(before));
    }
    const after = planner.after(positions[i]!);
    if (after) {
      items.push(new RecordLines(bytes.subarray(from, ends[i]), i + 1 - first));
      first = i + 1;
      from = ends[i]!;
      items.push(checkpoint(after));
    }
  }
  if (first < count) items.push(new RecordLines(bytes.subarray(from), count - first));
  if (written) {
    const last = items.findLastIndex((item) => item instanceof RecordLines);
    if (last < 0) written();
    else {
      const lines = items[last] as RecordLines;
      items[last] = new RecordLines(lines.bytes, lines.count, written);
    }
  }
  return items;
}
