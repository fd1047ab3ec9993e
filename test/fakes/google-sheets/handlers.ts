import { formatA1 } from './a1.js';
import { userEnteredValue, type DateTimeRenderOption, type ValueInputOption, type ValueRenderOption } from './cells.js';
import { invalidArgument } from './errors.js';
import { applyFieldMask } from './field-mask.js';
import type { Spreadsheet } from './workbook.js';

/** What a handler gets for one API call. */
export interface CallContext {
  spreadsheet: Spreadsheet;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

export type Handler = (context: CallContext) => unknown;

type ValueRange = { range?: string; majorDimension?: string; values?: unknown[][] };

function inputOption(raw: unknown): ValueInputOption {
  if (raw === undefined || raw === null || raw === '') {
    throw invalidArgument("'valueInputOption' is required but not specified");
  }
  if (raw !== 'RAW' && raw !== 'USER_ENTERED') throw invalidArgument(`Invalid valueInputOption: ${String(raw)}`);
  return raw;
}

function renderOptions(query: URLSearchParams): [ValueRenderOption, DateTimeRenderOption] {
  return [
    (query.get('valueRenderOption') ?? 'FORMATTED_VALUE') as ValueRenderOption,
    (query.get('dateTimeRenderOption') ?? 'SERIAL_NUMBER') as DateTimeRenderOption,
  ];
}

// ROWS-major values of a ValueRange; COLUMNS-major input is turned into rows.
function rowsOf(valueRange: ValueRange): unknown[][] {
  const values = valueRange.values ?? [];
  if (valueRange.majorDimension !== 'COLUMNS') return values;
  const height = Math.max(0, ...values.map((column) => column.length));
  return Array.from({ length: height }, (_, r) => values.map((column) => column[r] ?? null));
}

function spreadsheetResource(context: CallContext): Record<string, unknown> {
  const { spreadsheet, query } = context;
  const includeGrid = query.get('includeGridData') === 'true';
  const ranges = query.getAll('ranges').map((range) => spreadsheet.resolve(range));
  const sheets = spreadsheet.sheets
    .filter((sheet) => ranges.length === 0 || ranges.some((range) => range.sheet === sheet))
    .map((sheet) => {
      if (!includeGrid) return { properties: sheet.properties };
      const grids = ranges.filter((range) => range.sheet === sheet);
      const { rowCount, columnCount } = sheet.properties.gridProperties;
      const bounds =
        grids.length > 0 ? grids : [{ startRow: 0, endRow: rowCount, startColumn: 0, endColumn: columnCount }];
      return {
        properties: sheet.properties,
        data: bounds.map((range) => ({
          startRow: range.startRow,
          startColumn: range.startColumn,
          rowData: sheet.rows.slice(range.startRow, range.endRow).map((row) => ({
            values: (row ?? [])
              .slice(range.startColumn, range.endColumn)
              .map((cell) => (cell === undefined ? {} : { userEnteredValue: userEnteredValue(cell) })),
          })),
        })),
      };
    });
  return {
    spreadsheetId: spreadsheet.spreadsheetId,
    properties: { title: spreadsheet.title, locale: 'en_US', autoRecalc: 'ON_CHANGE', timeZone: spreadsheet.timeZone },
    sheets,
    spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${spreadsheet.spreadsheetId}/edit`,
  };
}

type DimensionRange = { sheetId?: number; dimension?: string; startIndex?: number; endIndex?: number };

// One request of spreadsheets.batchUpdate, applied to the working copy; returns its reply.
function applyRequest(book: Spreadsheet, request: Record<string, unknown>, index: number): Record<string, unknown> {
  const kinds = Object.keys(request);
  if (kinds.length !== 1) {
    throw invalidArgument(`Invalid requests[${index}]: exactly one kind of request must be set, found ${kinds.length}`);
  }
  const kind = kinds[0]!;
  const where = `Invalid requests[${index}].${kind}: `;
  const args = request[kind] as Record<string, unknown>;
  switch (kind) {
    case 'addSheet': {
      const properties = book.addSheet((args.properties ?? {}) as Parameters<Spreadsheet['addSheet']>[0], where);
      return { addSheet: { properties } };
    }
    case 'insertDimension':
    case 'deleteDimension': {
      const range = (args.range ?? {}) as DimensionRange;
      const sheet = book.sheetById(range.sheetId ?? 0, where);
      const dimension = range.dimension ?? 'DIMENSION_UNSPECIFIED';
      if (dimension !== 'ROWS' && dimension !== 'COLUMNS') throw invalidArgument(`${where}dimension must be set`);
      const start = range.startIndex ?? 0;
      const end = range.endIndex ?? 0;
      if (kind === 'insertDimension') {
        if (args.inheritFromBefore === true && start === 0) {
          throw invalidArgument(`${where}Cannot inherit properties from before if inserting at the start.`);
        }
        book.insertDimension(sheet, dimension, start, end, where);
      } else {
        book.deleteDimension(sheet, dimension, start, end, where);
      }
      return {};
    }
    case 'appendDimension': {
      const sheet = book.sheetById(args.sheetId ?? 0, where);
      const length = Number(args.length ?? 0);
      if (!(length > 0)) throw invalidArgument(`${where}length must be greater than zero`);
      const count =
        args.dimension === 'COLUMNS'
          ? sheet.properties.gridProperties.columnCount
          : sheet.properties.gridProperties.rowCount;
      book.insertDimension(sheet, String(args.dimension), count, count + length, where);
      return {};
    }
    case 'updateSheetProperties': {
      const properties = (args.properties ?? {}) as {
        sheetId?: number;
        title?: string;
        gridProperties?: { frozenRowCount?: number };
      };
      const sheet = book.sheetById(properties.sheetId ?? 0, where);
      const fields = String(args.fields ?? '')
        .split(',')
        .filter(Boolean);
      if (fields.length === 0)
        throw invalidArgument(`${where}At least one field must be updated, but 'fields' is empty.`);
      for (const field of fields) {
        if (field === 'title' && properties.title) sheet.properties.title = properties.title;
        else if (field === 'gridProperties.frozenRowCount') {
          sheet.properties.gridProperties.frozenRowCount = properties.gridProperties?.frozenRowCount ?? 0;
        } else
          throw invalidArgument(`${where}the fake supports only title and gridProperties.frozenRowCount, not ${field}`);
      }
      return {};
    }
    default:
      throw invalidArgument(`Invalid requests[${index}]: the Sheets fake does not implement ${kind}`);
  }
}

/** The API methods the fake serves, by discovery id without the `sheets.` prefix. */
export const handlers: Record<string, Handler> = {
  'spreadsheets.get': (context) => applyFieldMask(spreadsheetResource(context), context.query.get('fields')),

  'spreadsheets.values.get': ({ spreadsheet, params, query }) =>
    spreadsheet.read(params.range!, ...renderOptions(query), query.get('majorDimension') ?? 'ROWS'),

  'spreadsheets.values.batchGet': ({ spreadsheet, query }) => ({
    spreadsheetId: spreadsheet.spreadsheetId,
    valueRanges: query
      .getAll('ranges')
      .map((range) => spreadsheet.read(range, ...renderOptions(query), query.get('majorDimension') ?? 'ROWS')),
  }),

  'spreadsheets.values.batchUpdate': ({ spreadsheet, body }) => {
    const option = inputOption(body.valueInputOption);
    const book = spreadsheet.clone();
    const responses = ((body.data ?? []) as ValueRange[]).map((valueRange, index) => {
      if (!valueRange.range) throw invalidArgument(`Invalid data[${index}]: range is required`);
      return book.write(valueRange.range, rowsOf(valueRange), option, `data[${index}]: `);
    });
    spreadsheet.adopt(book);
    const sheets = new Set(responses.map((response) => response.updatedRange.split('!')[0]));
    return {
      spreadsheetId: spreadsheet.spreadsheetId,
      totalUpdatedRows: responses.reduce((n, r) => n + r.updatedRows, 0),
      totalUpdatedColumns: responses.reduce((n, r) => n + r.updatedColumns, 0),
      totalUpdatedCells: responses.reduce((n, r) => n + r.updatedCells, 0),
      totalUpdatedSheets: sheets.size,
      responses,
    };
  },

  'spreadsheets.values.append': ({ spreadsheet, params, query, body }) => {
    const option = inputOption(query.get('valueInputOption'));
    const insert = (query.get('insertDataOption') ?? 'OVERWRITE') === 'INSERT_ROWS';
    const valueRange = body as ValueRange;
    if (valueRange.range !== undefined && valueRange.range !== params.range) {
      throw invalidArgument(
        `Invalid ValueRange: the range in the body (${valueRange.range}) does not match the range in the URL (${params.range!})`,
      );
    }
    const book = spreadsheet.clone();
    const result = book.append(params.range!, rowsOf(valueRange), option, insert);
    spreadsheet.adopt(book);
    return result;
  },

  'spreadsheets.batchUpdate': ({ spreadsheet, body }) => {
    const requests = (body.requests ?? []) as Record<string, unknown>[];
    const book = spreadsheet.clone();
    const replies = requests.map((request, index) => {
      const reply = applyRequest(book, request, index);
      book.checkCellLimit(`Invalid requests[${index}].${Object.keys(request)[0]!}: `);
      return reply;
    });
    spreadsheet.adopt(book);
    return { spreadsheetId: spreadsheet.spreadsheetId, replies };
  },
};

/** The range a whole sheet's used area covers, for tests that read a sheet back. */
export function usedRange(spreadsheet: Spreadsheet, title: string): string {
  const sheet = spreadsheet.sheets.find((candidate) => candidate.properties.title === title);
  if (!sheet) throw new Error(`no sheet "${title}"`);
  const { rowCount, columnCount } = sheet.properties.gridProperties;
  return formatA1(title, 0, rowCount, 0, columnCount);
}
