import { sheets, type sheets_v4 } from '@googleapis/sheets';
import type { AuthClient } from 'google-auth-library';
import type { RequestGate } from './request-gate.js';

/** A sheet (tab) as the connector needs to know it. */
export interface SheetInfo {
  readonly sheetId: number;
  readonly title: string;
  readonly rowCount: number;
  readonly columnCount: number;
}

/** The spreadsheet's time zone and its sheets. */
export interface SpreadsheetInfo {
  readonly title: string;
  readonly timeZone: string;
  readonly sheets: SheetInfo[];
}

export type Row = (string | number | boolean)[];

/**
 * The Sheets v4 calls the connector makes, each one request through the gate (paced,
 * retried, typed errors). Values are always written USER_ENTERED: cell-value.ts encodes each
 * value so that only numbers, booleans and dates are parsed.
 */
export class SheetsApi {
  private readonly client: sheets_v4.Sheets;

  constructor(
    auth: AuthClient,
    apiRoot: string,
    private readonly gate: RequestGate,
    readonly spreadsheetId: string,
  ) {
    // The client's retries stay off: they sleep on the real clock and would double the gate's.
    // googleapis-common pins its own google-auth-library copy, whose class types differ from
    // ours only by identity; it calls nothing but the client's `request()`.
    const options: sheets_v4.Options = { version: 'v4', auth: auth as never, rootUrl: apiRoot, retry: false };
    this.client = sheets(options);
  }

  async spreadsheet(): Promise<SpreadsheetInfo> {
    const { data } = await this.gate.send('read', 'spreadsheets.get', () =>
      this.client.spreadsheets.get({
        spreadsheetId: this.spreadsheetId,
        fields: 'properties(title,timeZone),sheets.properties(sheetId,title,gridProperties(rowCount,columnCount))',
      }),
    );
    return {
      title: data.properties?.title ?? '',
      timeZone: data.properties?.timeZone ?? 'Etc/GMT',
      sheets: (data.sheets ?? []).map((sheet) => ({
        sheetId: sheet.properties?.sheetId ?? 0,
        title: sheet.properties?.title ?? '',
        rowCount: sheet.properties?.gridProperties?.rowCount ?? 0,
        columnCount: sheet.properties?.gridProperties?.columnCount ?? 0,
      })),
    };
  }

  /** values.batchGet of several ranges, unformatted (numbers as numbers), dates as shown. */
  async readRanges(ranges: string[]): Promise<unknown[][][]> {
    const { data } = await this.gate.send('read', `values.batchGet of ${ranges.length} range(s)`, () =>
      this.client.spreadsheets.values.batchGet({
        spreadsheetId: this.spreadsheetId,
        ranges,
        valueRenderOption: 'UNFORMATTED_VALUE',
        dateTimeRenderOption: 'FORMATTED_STRING',
        majorDimension: 'ROWS',
      }),
    );
    return (data.valueRanges ?? []).map((range) => (range.values ?? []) as unknown[][]);
  }

  /** values.batchUpdate: every range in one write request. */
  async writeRanges(what: string, data: { range: string; values: Row[] }[]): Promise<void> {
    await this.gate.send('write', what, () =>
      this.client.spreadsheets.values.batchUpdate({
        spreadsheetId: this.spreadsheetId,
        requestBody: {
          valueInputOption: 'USER_ENTERED',
          data: data.map(({ range, values }) => ({ range, majorDimension: 'ROWS', values })),
        },
      }),
    );
  }

  /**
   * values.append with INSERT_ROWS: rows land right after the table the range starts
   * (Backflow's block), pushing whatever is below down. Returns where they went.
   */
  async appendRows(what: string, range: string, values: Row[]): Promise<string> {
    const { data } = await this.gate.send('write', what, () =>
      this.client.spreadsheets.values.append({
        spreadsheetId: this.spreadsheetId,
        range,
        valueInputOption: 'USER_ENTERED',
        insertDataOption: 'INSERT_ROWS',
        requestBody: { majorDimension: 'ROWS', values },
      }),
    );
    return data.updates?.updatedRange ?? '';
  }

  /** spreadsheets.batchUpdate: all requests applied together, or none. */
  async batchUpdate(what: string, requests: sheets_v4.Schema$Request[]): Promise<sheets_v4.Schema$Response[]> {
    const { data } = await this.gate.send('write', what, () =>
      this.client.spreadsheets.batchUpdate({ spreadsheetId: this.spreadsheetId, requestBody: { requests } }),
    );
    return data.replies ?? [];
  }
}
