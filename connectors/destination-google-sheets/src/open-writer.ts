import type { ConfiguredAirbyteCatalog } from '@backflow/protocol';
import {
  ConfigError,
  InternalError,
  streamKey,
  type DestinationWriter,
  type Logger,
} from '@backflow/protocol/connector';
import { columnLetters, quoteTitle } from './a1.js';
import { GridCells, MAX_SPREADSHEET_CELLS } from './grid-cells.js';
import { SheetsRequestError } from './request-gate.js';
import { RowIndex } from './row-index.js';
import type { SheetInfo, SheetsApi } from './sheets-api.js';
import { planStream, type StreamPlan } from './stream-plan.js';
import { StreamWriter } from './stream-writer.js';

// A new sheet gets the grid Sheets gives one made by hand, and a frozen header row.
const NEW_SHEET_ROWS = 1000;
const NEW_SHEET_COLUMNS = 26;

function plansOf(catalog: ConfiguredAirbyteCatalog): StreamPlan[] {
  const plans = catalog.streams.map(planStream);
  const bySheet = new Map<string, string>();
  for (const plan of plans) {
    const other = bySheet.get(plan.sheet.toLowerCase());
    if (other) {
      throw new ConfigError(
        `streams "${other}" and "${plan.stream}" both write sheet "${plan.sheet}"; give each its own destination`,
      );
    }
    bySheet.set(plan.sheet.toLowerCase(), plan.stream);
  }
  return plans;
}

/** Adds the sheets that do not exist yet and widens the ones too narrow for their columns, in one request. */
async function prepareSheets(
  api: SheetsApi,
  plans: StreamPlan[],
  existing: SheetInfo[],
  grid: GridCells,
): Promise<Map<string, SheetInfo>> {
  const byTitle = new Map(existing.map((sheet) => [sheet.title, sheet]));
  const requests: object[] = [];
  const added: StreamPlan[] = [];
  for (const plan of plans) {
    const sheet = byTitle.get(plan.sheet);
    if (!sheet) {
      const columns = Math.max(NEW_SHEET_COLUMNS, plan.columns.length);
      requests.push({
        addSheet: {
          properties: {
            title: plan.sheet,
            gridProperties: { rowCount: NEW_SHEET_ROWS, columnCount: columns, frozenRowCount: 1 },
          },
        },
      });
      grid.set(plan.sheet, NEW_SHEET_ROWS, columns);
      added.push(plan);
    } else if (sheet.columnCount < plan.columns.length) {
      requests.push({
        appendDimension: {
          sheetId: sheet.sheetId,
          dimension: 'COLUMNS',
          length: plan.columns.length - sheet.columnCount,
        },
      });
      grid.set(plan.sheet, sheet.rowCount, plan.columns.length);
    }
  }
  if (requests.length === 0) return byTitle;
  if (grid.total() > MAX_SPREADSHEET_CELLS) {
    throw new ConfigError(
      `spreadsheet ${api.spreadsheetId}: adding sheets ${added.map((p) => `"${p.sheet}"`).join(', ')} would pass Google Sheets' limit of 10,000,000 cells; delete unused sheets or write to another spreadsheet`,
    );
  }
  const replies = await api.batchUpdate(`batchUpdate adding ${added.length} sheet(s)`, requests as never);
  for (const reply of replies) {
    const properties = reply.addSheet?.properties;
    if (!properties?.title) continue;
    byTitle.set(properties.title, {
      sheetId: properties.sheetId ?? 0,
      title: properties.title,
      rowCount: properties.gridProperties?.rowCount ?? NEW_SHEET_ROWS,
      columnCount: properties.gridProperties?.columnCount ?? NEW_SHEET_COLUMNS,
    });
  }
  return byTitle;
}

/**
 * Prepares every configured stream's sheet before any record: adds missing sheets (one
 * batchUpdate), reads every header row and keyed stream's rows (one values.batchGet), refuses a
 * header that does not match the stream's fields, writes the headers of empty sheets (one
 * values.batchUpdate). An unchanged rerun thus costs two reads and no write.
 */
export async function openSheetsWriter(
  api: SheetsApi,
  catalog: ConfiguredAirbyteCatalog,
  logger: Logger,
): Promise<DestinationWriter> {
  const plans = plansOf(catalog);
  const info = await api.spreadsheet();
  const grid = new GridCells(info.sheets);
  let sheets: Map<string, SheetInfo>;
  try {
    sheets = await prepareSheets(api, plans, info.sheets, grid);
  } catch (error) {
    if (error instanceof SheetsRequestError)
      throw new ConfigError(`spreadsheet ${api.spreadsheetId}: ${error.message}`);
    throw error;
  }

  // One read for every stream: its header row and, for keyed streams, Backflow's columns below it.
  const ranges: string[] = [];
  for (const plan of plans) {
    const last = columnLetters(plan.columns.length - 1);
    ranges.push(`${quoteTitle(plan.sheet)}!A1:${last}1`);
    if (plan.keyColumns.length > 0) ranges.push(`${quoteTitle(plan.sheet)}!A2:${last}`);
  }
  const read = await api.readRanges(ranges);

  const headers: { range: string; values: string[][] }[] = [];
  const writers = new Map<string, StreamWriter>();
  let at = 0;
  for (const plan of plans) {
    const headerRange = ranges[at]!;
    const header = (read[at++]?.[0] ?? []).map((cell) => String(cell));
    const body = plan.keyColumns.length > 0 ? (read[at++] ?? []) : [];
    if (header.every((cell) => cell === '')) {
      headers.push({ range: headerRange, values: [plan.columns.map((c) => `'${c}`)] });
    } else if (plan.columns.some((column, c) => header[c] !== column)) {
      throw new ConfigError(
        `stream "${plan.stream}": sheet "${plan.sheet}" has the header [${header.join(', ')}] but the stream's fields are [${plan.columns.join(', ')}]; ` +
          'change the mapping, fix the header cells, or write to another sheet',
      );
    }
    const index = plan.keyColumns.length > 0 ? new RowIndex(body, plan.keyColumns) : undefined;
    if (index && index.duplicates.length > 0) {
      logger.warn(
        'sheet "%s": %d key(s) appear on more than one row (e.g. %s); only the first row of each is written',
        plan.sheet,
        index.duplicates.length,
        index.duplicates.slice(0, 3).join(', '),
      );
    }
    const sheet = sheets.get(plan.sheet)!;
    const target = { sheetId: sheet.sheetId, timeZone: info.timeZone, index };
    writers.set(plan.stream, new StreamWriter(plan, target, api, grid, logger));
  }
  if (headers.length > 0) await api.writeRanges(`values.batchUpdate writing ${headers.length} header row(s)`, headers);

  return {
    async write({ stream, records }) {
      const writer = writers.get(streamKey(stream.stream));
      if (!writer) throw new InternalError(`batch for stream "${streamKey(stream.stream)}", which was not opened`);
      return { rejected: await writer.write(records) };
    },
  };
}
