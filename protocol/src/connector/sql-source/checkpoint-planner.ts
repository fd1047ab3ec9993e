import type { AirbyteStateBlob } from '../../types.js';
import { migrateCursorState, type CursorState, type JsonValue } from './cursor-state.js';

/** The cursor and key values of one row, as the source binds them back into its query. */
export interface Position {
  readonly cursor: JsonValue;
  readonly key: readonly JsonValue[];
  /**
   * Whether this row's cursor differs from the previous row's, by the database's own
   * equality. Given by sources whose values can differ in form while equal in the database
   * (Postgres' numeric 1.0 = 1.00); otherwise the values are compared as they are.
   */
  readonly startsCursorValue?: boolean;
}

/**
 * Decides where checkpoints go in an ordered incremental read. With a usable key it
 * checkpoints after every `interval` rows at the exact (cursor, key) tuple; without one it
 * waits for the cursor value to change, so a checkpoint never splits rows sharing a value.
 */
export class CheckpointPlanner {
  private sinceCheckpoint = 0;
  private last: Position | undefined;
  private readonly initial: AirbyteStateBlob | undefined;

  constructor(
    private readonly cursorField: string,
    /** The key ordering the read, or undefined when it is ordered by cursor only. */
    private readonly primaryKey: readonly string[] | undefined,
    private readonly interval: number,
    initial: AirbyteStateBlob | undefined,
  ) {
    this.initial = migrateCursorState(initial);
  }

  /** A checkpoint to emit before the row at `position`, if the previous rows close a cursor value. */
  before(position: Position): CursorState | undefined {
    const last = this.last;
    if (!last || this.sinceCheckpoint < this.interval) return undefined;
    const changed = position.startsCursorValue ?? last.cursor !== position.cursor;
    if (!changed) return undefined;
    this.sinceCheckpoint = 0;
    return { cursor_field: this.cursorField, cursor_value: last.cursor };
  }

  /** A checkpoint to emit after the row at `position` (which has just been emitted), if one is due. */
  after(position: Position): CursorState | undefined {
    this.last = position;
    this.sinceCheckpoint++;
    if (this.sinceCheckpoint < this.interval || !this.exact(position)) return undefined;
    this.sinceCheckpoint = 0;
    return this.keyed(position);
  }

  /**
   * The checkpoint that closes the read: after its last row (unless one already covers it),
   * or the state it started from when no row was new.
   */
  final(): AirbyteStateBlob | undefined {
    const last = this.last;
    if (!last) return this.initial;
    if (this.sinceCheckpoint === 0) return undefined;
    if (this.exact(last)) return this.keyed(last);
    return { cursor_field: this.cursorField, cursor_value: last.cursor };
  }

  private exact(position: Position): boolean {
    return this.primaryKey !== undefined && position.cursor !== null && position.key.every((value) => value !== null);
  }

  private keyed(position: Position): CursorState {
    return {
      cursor_field: this.cursorField,
      cursor_value: position.cursor,
      primary_key: [...(this.primaryKey ?? [])],
      primary_key_values: [...position.key],
    };
  }
}
