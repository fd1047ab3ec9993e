import { BatchRejectedError, type IncomingRecord, type Logger, type Rejection } from '@backflow/protocol/connector';
import { rowsRange, firstRowOf, quoteTitle, columnLetters } from './a1.js';
import { encodeCell, sentKeyText } from './cell-value.js';
import type { GridCells } from './grid-cells.js';
import { SheetsRequestError } from './request-gate.js';
import { keyOf, type RowIndex } from './row-index.js';
import type { Row, SheetsApi } from './sheets-api.js';
import type { StreamPlan } from './stream-plan.js';

/** What one batch does to the sheet, after later records of a key override earlier ones. */
interface Changes {
  updates: Map<number, Row>;
  deletes: Set<number>;
  appends: Map<string, { row: Row; index: number }>;
  rejected: Rejection[];
}

/** The sheet a stream writes, as open() found or made it. */
export interface SheetTarget {
  readonly sheetId: number;
  readonly timeZone: string;
  /** Backflow's rows by key; undefined for insert and append, which only add rows. */
  readonly index: RowIndex | undefined;
}

/** Runs of consecutive numbers, ascending: [2,3,4,9] → [[2,4],[9,9]]. */
function runs(rows: Iterable<number>): [number, number][] {
  const sorted = [...rows].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const row of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === row - 1) last[1] = row;
    else out.push([row, row]);
  }
  return out;
}

/**
 * Writes one stream's batches to its sheet with at most three write requests per batch:
 * one values.batchUpdate for rows changed in place (consecutive rows share a range), one
 * batchUpdate of deleteDimension requests (whole rows, bottom up, so a person's notes to the
 * right leave with their row and every other row keeps its own), and one values.append that
 * inserts new rows right after Backflow's block (INSERT_ROWS: a person's rows below move down
 * untouched). Each request is atomic at Google, and rows are found again by key, so resending
 * a batch after a failure changes nothing twice.
 */
export class StreamWriter {
  constructor(
    private readonly plan: StreamPlan,
    private readonly target: SheetTarget,
    private readonly api: SheetsApi,
    private readonly grid: GridCells,
    private readonly logger: Logger,
  ) {}

  async write(records: readonly IncomingRecord[]): Promise<Rejection[]> {
    const changes = this.changesOf(records);
    try {
      await this.sendUpdates(changes.updates);
      await this.sendDeletes(changes.deletes);
      await this.sendAppends(changes);
    } catch (error) {
      // Google refused a request for its content without naming the row: the SDK halves the
      // batch until the refused record stands alone, with Google's reason.
      if (error instanceof SheetsRequestError)
        throw new BatchRejectedError(`Google Sheets refused it: ${error.reason}`);
      throw error;
    }
    return changes.rejected;
  }

  private changesOf(records: readonly IncomingRecord[]): Changes {
    const { plan } = this;
    const { index, timeZone } = this.target;
    const changes: Changes = { updates: new Map(), deletes: new Set(), appends: new Map(), rejected: [] };
    records.forEach((record, i) => {
      if (record.operation === 'delete' && plan.behaviour !== 'mirror') {
        changes.rejected.push({
          index: i,
          reason: `a delete record under behaviour ${plan.behaviour}: only mirror removes rows`,
          retryable: false,
        });
        return;
      }
      const row: Row = [];
      for (const [c, column] of plan.columns.entries()) {
        const asText = plan.keyColumns.includes(c) && (plan.kinds[c] === 'date' || plan.kinds[c] === 'date-time');
        const encoded = encodeCell(record.data[column], plan.kinds[c]!, timeZone, asText);
        if (!encoded.ok) {
          changes.rejected.push({
            index: i,
            reason: `field "${column}": ${encoded.reason}`,
            retryable: false,
            field: column,
          });
          return;
        }
        row.push(encoded.cell);
      }
      if (!index) {
        changes.appends.set(String(i), { row, index: i });
        return;
      }
      const key = keyOf(plan.keyColumns.map((c) => sentKeyText(row[c]!)));
      if (plan.keyColumns.some((c) => row[c] === '')) {
        changes.rejected.push({ index: i, reason: `key field(s) empty: a row is found by its key`, retryable: false });
        return;
      }
      const at = index.rowOf(key);
      if (record.operation === 'delete') {
        changes.appends.delete(key);
        if (at !== undefined) {
          changes.updates.delete(at);
          changes.deletes.add(at);
        }
        return;
      }
      if (at !== undefined) {
        changes.deletes.delete(at);
        changes.updates.set(at, row);
      } else if (plan.behaviour === 'update') {
        changes.rejected.push({
          index: i,
          reason: `no row with key ${key} in sheet "${plan.sheet}" (update changes existing rows only)`,
          retryable: false,
        });
      } else {
        changes.appends.set(key, { row, index: i });
      }
    });
    return changes;
  }

  private async sendUpdates(updates: Map<number, Row>): Promise<void> {
    if (updates.size === 0) return;
    const width = this.plan.columns.length;
    const data = runs(updates.keys()).map(([first, last]) => ({
      range: rowsRange(this.plan.sheet, width, first, last),
      values: Array.from({ length: last - first + 1 }, (_, k) => updates.get(first + k)!),
    }));
    await this.api.writeRanges(`values.batchUpdate of ${updates.size} row(s) in "${this.plan.sheet}"`, data);
  }

  private async sendDeletes(deletes: Set<number>): Promise<void> {
    if (deletes.size === 0) return;
    const requests = runs(deletes)
      .reverse()
      .map(([first, last]) => ({
        deleteDimension: {
          range: { sheetId: this.target.sheetId, dimension: 'ROWS', startIndex: first - 1, endIndex: last },
        },
      }));
    await this.api.batchUpdate(`batchUpdate deleting ${deletes.size} row(s) of "${this.plan.sheet}"`, requests);
    this.target.index?.deleted([...deletes]);
    this.grid.addRows(this.plan.sheet, -deletes.size);
  }

  private async sendAppends(changes: Changes): Promise<void> {
    const { plan, target, grid } = this;
    let appends = [...changes.appends.entries()];
    const room = grid.rowsLeft(plan.sheet);
    if (appends.length > room) {
      for (const [, { index }] of appends.slice(room)) {
        changes.rejected.push({
          index,
          reason: `the spreadsheet would pass Google Sheets' limit of 10,000,000 cells (it has ${grid.total().toLocaleString('en-US')}); delete unused sheets, rows or columns, or write to another spreadsheet`,
          retryable: false,
        });
      }
      appends = appends.slice(0, room);
    }
    if (appends.length === 0) return;
    const expected = (target.index?.lastRow() ?? 0) + 1;
    const table = `${quoteTitle(plan.sheet)}!A1:${columnLetters(plan.columns.length - 1)}`;
    const landed = await this.api.appendRows(
      `values.append of ${appends.length} row(s) to "${plan.sheet}"`,
      table,
      appends.map(([, { row }]) => row),
    );
    grid.addRows(plan.sheet, appends.length);
    if (!target.index) return;
    const at = firstRowOf(landed) ?? expected;
    if (at !== expected) {
      this.logger.warn(
        'sheet "%s": rows were appended at row %d, not right under Backflow\'s rows (row %d): rows typed directly under them count as part of the table; leave an empty row between them and your own rows',
        plan.sheet,
        at,
        expected,
      );
    }
    target.index.appended(
      at,
      appends.map(([key]) => key),
    );
  }
}
