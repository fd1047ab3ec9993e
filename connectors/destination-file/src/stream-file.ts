import { access } from 'node:fs/promises';
import type { IncomingRecord, Rejection } from '@backflow/protocol/connector';
import type { StreamPlan } from './behaviour.js';
import { keyText, valueAt } from './formats/key-text.js';
import type { RowFormat } from './formats/row-format.js';
import { TempFile, replaceAtomically } from './temp-file.js';

/** Rows handed to the encoder at a time while rewriting. */
const CHUNK = 1000;

interface Change<Row> {
  readonly operation: 'upsert' | 'delete';
  readonly row: Row;
}

export interface StreamFileOptions<Row> {
  readonly name: string;
  readonly target: string;
  readonly format: RowFormat<Row>;
  readonly plan: StreamPlan;
  readonly maxBuffered: number;
}

/**
 * One stream's file. Changes since the last checkpoint are staged in a hidden temporary
 * file and renamed over the target at `commit`, so the target only ever holds checkpointed
 * data.
 *
 * `append` streams (and `insert` without a key) copy the target into the temporary file
 * once, then append to it.
 * Keyed streams (`upsert`, `mirror`, `insert`) hold up to `maxBuffered` changes in a Map by
 * key, then stream the current content through a merge into a new temporary file: memory
 * stays bounded by `maxBuffered` records whatever the file size, at the price of one pass
 * over the file per `maxBuffered` changes.
 */
export class StreamFile<Row> {
  private readonly pending = new Map<string, Change<Row>>();
  /** Content so far since the last commit, complete and fsynced (keyed streams). */
  private staged: TempFile | undefined;
  /** Open temporary file being appended to (append streams). */
  private appending: { file: TempFile; encoder: ReturnType<RowFormat<Row>['encoder']> } | undefined;

  constructor(private readonly options: StreamFileOptions<Row>) {}

  async write(records: readonly IncomingRecord[]): Promise<Rejection[]> {
    const { behaviour } = this.options.plan;
    const rejected: Rejection[] = [];
    const rows: Row[] = [];
    for (const [index, record] of records.entries()) {
      if (record.operation === 'delete' && behaviour !== 'mirror') {
        rejected.push({
          index,
          retryable: false,
          reason: `stream "${this.options.name}" has behaviour "${behaviour}", which never deletes; a delete needs behaviour "mirror"`,
        });
        continue;
      }
      const row = this.options.format.fromRecord(record.data);
      if (this.options.plan.keyPaths.length === 0) {
        rows.push(row);
        continue;
      }
      const key = this.keyOf(record);
      if (typeof key !== 'string') {
        rejected.push({
          index,
          retryable: false,
          field: key.field,
          reason: `matching key field "${key.field}" is empty`,
        });
        continue;
      }
      if (behaviour === 'insert' && this.pending.has(key)) continue;
      this.pending.set(key, { operation: record.operation, row });
      if (this.pending.size >= this.options.maxBuffered) await this.merge();
    }
    if (rows.length > 0) await this.append(rows);
    return rejected;
  }

  /** Makes everything written so far the target's content, atomically. */
  async commit(): Promise<void> {
    if (this.appending) {
      const { file, encoder } = this.appending;
      this.appending = undefined;
      await file.write(encoder.end());
      await file.finish();
      await replaceAtomically(file.path, this.options.target);
      return;
    }
    // A stream that received nothing still gets its (empty) file on the first run.
    if (this.pending.size > 0 || (!this.staged && !(await exists(this.options.target)))) await this.merge();
    if (this.staged) {
      const staged = this.staged;
      this.staged = undefined;
      await replaceAtomically(staged.path, this.options.target);
    }
  }

  /** Drops whatever was not committed; the target keeps its last committed content. */
  async discard(): Promise<void> {
    this.pending.clear();
    await this.appending?.file.discard();
    await this.staged?.discard();
    this.appending = undefined;
    this.staged = undefined;
  }

  private keyOf(record: IncomingRecord): string | { field: string } {
    const values = this.options.plan.keyPaths.map((path) => valueAt(record.data, path));
    const key = keyText(values);
    if (key !== undefined) return key;
    const empty = values.findIndex((value) => keyText([value]) === undefined);
    return { field: this.options.plan.keyPaths[empty]!.join('.') };
  }

  private async append(rows: readonly Row[]): Promise<void> {
    if (!this.appending) {
      const encoder = this.options.format.encoder();
      const file = await TempFile.create(this.options.target);
      this.appending = { file, encoder };
      await file.write(encoder.start());
      await this.copyRows(this.options.target, (chunk) => file.write(encoder.rows(chunk)));
    }
    const { file, encoder } = this.appending;
    await file.write(encoder.rows(rows));
  }

  /** Streams the current content through the pending changes into a new temporary file. */
  private async merge(): Promise<void> {
    const { format, target, plan } = this.options;
    const base = this.staged?.path ?? target;
    const file = await TempFile.create(target);
    try {
      const encoder = format.encoder();
      await file.write(encoder.start());
      const done = new Set<string>();
      const keep = (row: Row): Row | undefined => {
        const key = format.keyOf(row, plan.keyPaths);
        const change = key === undefined ? undefined : this.pending.get(key);
        if (key === undefined || !change) {
          // A key seen before was replaced or deleted there; drop its duplicates too.
          return key !== undefined && done.has(key) && plan.behaviour !== 'insert' ? undefined : row;
        }
        this.pending.delete(key);
        done.add(key);
        if (plan.behaviour === 'insert') return row;
        return change.operation === 'delete' ? undefined : change.row;
      };
      await this.copyRows(base, (chunk) => file.write(encoder.rows(chunk)), keep);
      const added: Row[] = [];
      for (const change of this.pending.values()) if (change.operation === 'upsert') added.push(change.row);
      for (let i = 0; i < added.length; i += CHUNK) await file.write(encoder.rows(added.slice(i, i + CHUNK)));
      await file.write(encoder.end());
      await file.finish();
    } catch (error) {
      await file.discard();
      throw error;
    }
    this.pending.clear();
    await this.staged?.discard();
    this.staged = file;
  }

  /** Streams the rows of `path` (if it exists), optionally transformed, in chunks. */
  private async copyRows(
    path: string,
    write: (chunk: Row[]) => Promise<void>,
    transform: (row: Row) => Row | undefined = (row) => row,
  ): Promise<void> {
    if (!(await exists(path))) return;
    let chunk: Row[] = [];
    for await (const row of this.options.format.read(path)) {
      const out = transform(row);
      if (out === undefined) continue;
      chunk.push(out);
      if (chunk.length >= CHUNK) {
        await write(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await write(chunk);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
