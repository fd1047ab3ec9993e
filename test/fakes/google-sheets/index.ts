import { randomBytes } from 'node:crypto';
import { SheetsAuth, type OAuthGrant, type ServiceAccountKey } from './auth.js';
import type { Cell } from './cells.js';
import { SheetsApiError } from './errors.js';
import { usedRange } from './handlers.js';
import { PerMinuteQuota } from './quota.js';
import { discovery, startFrontEnd, TOKEN_PATH, type RecordedRequest } from './server.js';
import { MAX_SPREADSHEET_CELLS, Spreadsheet } from './workbook.js';

export type { OAuthGrant, ServiceAccountKey } from './auth.js';
export type { Cell } from './cells.js';
export type { RecordedRequest } from './server.js';
export { discovery } from './server.js';

export interface SheetsFakeOptions {
  /** The quota clock (epoch ms); tests share a virtual clock with the connector. */
  now?: () => number;
  /** Write requests per minute per user (Google: 60). */
  writesPerMinute?: number;
  /** Read requests per minute per user (Google: 60). */
  readsPerMinute?: number;
  /** Cells per spreadsheet (Google: 10,000,000); lowered by tests of the limit. */
  cellLimit?: number;
  /** Milliseconds every answer is held before it is sent, after it was counted (real Sheets answers in 100–500 ms). */
  latencyMs?: number;
}

export interface SheetsFake {
  readonly url: string;
  readonly tokenUri: string;
  readonly auth: SheetsAuth;
  readonly requests: RecordedRequest[];
  /** A new service account, and its key file. */
  serviceAccount(): ServiceAccountKey;
  /** An OAuth client with a refresh token granted by `user`. */
  oauthGrant(user: string): OAuthGrant;
  /** A spreadsheet with one empty sheet, shared with `editors` (all callers by default). */
  createSpreadsheet(options?: {
    title?: string;
    editors?: string[];
    viewers?: string[];
    timeZone?: string;
  }): Spreadsheet;
  spreadsheet(id: string): Spreadsheet;
  /** A sheet's used values as values.get renders them (UNFORMATTED_VALUE, dates as strings). */
  values(spreadsheetId: string, title: string): unknown[][];
  /** The stored cell at a 0-based position, for tests of value types. */
  cell(spreadsheetId: string, title: string, row: number, column: number): Cell | undefined;
  /** Requests to a method (`spreadsheets.values.batchUpdate`) answered 200. */
  calls(method: string): RecordedRequest[];
  /** Successful write requests (batchUpdate, values.batchUpdate, values.append). */
  writeCount(): number;
  /**
   * Where the requests received and the answers given depart from the Sheets v4 discovery
   * document: each request body against its method's request schema, each 200 answer
   * against its response schema. Tests assert it is empty.
   */
  specViolations(): string[];
  /** Answers the next `times` calls of a method with an error, whatever they ask. */
  failNext(method: string, error: SheetsApiError, times?: number): void;
  close(): Promise<void>;
}

const WRITES = [
  'sheets.spreadsheets.batchUpdate',
  'sheets.spreadsheets.values.batchUpdate',
  'sheets.spreadsheets.values.append',
];

/** Starts the Google Sheets v4 fake on 127.0.0.1 and a free port. */
export async function startSheetsFake(options: SheetsFakeOptions = {}): Promise<SheetsFake> {
  let tokenUri = '';
  const projectNumber = String(100_000_000_000 + Math.floor(Math.random() * 1e9));
  const auth = new SheetsAuth('backflow-test', () => tokenUri);
  const now = options.now ?? Date.now;
  const quota = new PerMinuteQuota(
    { read: options.readsPerMinute ?? 60, write: options.writesPerMinute ?? 60 },
    now,
    projectNumber,
  );
  const spreadsheets = new Map<string, { book: Spreadsheet; editors: Set<string> | 'anyone'; viewers: Set<string> }>();
  const requests: RecordedRequest[] = [];
  const failures = new Map<string, SheetsApiError[]>();
  const { server, url } = await startFrontEnd({
    auth,
    quota,
    spreadsheets,
    requests,
    failures,
    now,
    latencyMs: options.latencyMs ?? 0,
  });
  tokenUri = `${url}${TOKEN_PATH}`;

  const book = (id: string): Spreadsheet => {
    const entry = spreadsheets.get(id);
    if (!entry) throw new Error(`no spreadsheet ${id}`);
    return entry.book;
  };
  const calls = (method: string): RecordedRequest[] =>
    requests.filter((request) => request.method === `sheets.${method}` && request.status === 200);

  return {
    url,
    tokenUri,
    auth,
    requests,
    serviceAccount: () => auth.createServiceAccount(),
    oauthGrant: (user) => auth.createOAuthGrant(user),
    createSpreadsheet: (create = {}) => {
      const id = randomBytes(22).toString('base64url');
      const spreadsheet = new Spreadsheet(
        id,
        create.title ?? 'Backflow',
        create.timeZone ?? 'Etc/GMT',
        options.cellLimit ?? MAX_SPREADSHEET_CELLS,
      );
      spreadsheet.addSheet({ title: 'Sheet1' }, '');
      spreadsheets.set(id, {
        book: spreadsheet,
        editors: create.editors ? new Set(create.editors) : 'anyone',
        viewers: new Set(create.viewers ?? []),
      });
      return spreadsheet;
    },
    spreadsheet: book,
    values: (id, title) => {
      const read = book(id).read(usedRange(book(id), title), 'UNFORMATTED_VALUE', 'FORMATTED_STRING');
      return (read.values as unknown[][] | undefined) ?? [];
    },
    cell: (id, title, row, column) =>
      book(id).sheets.find((sheet) => sheet.properties.title === title)?.rows[row]?.[column],
    calls,
    writeCount: () => requests.filter((request) => WRITES.includes(request.method) && request.status === 200).length,
    specViolations: () =>
      requests.flatMap((request) => {
        if (!request.method.startsWith('sheets.')) return [];
        return [
          ...(request.body === undefined ? [] : discovery.requestViolations(request.method, request.body)),
          ...(request.status === 200 ? discovery.responseViolations(request.method, request.response) : []),
        ];
      }),
    failNext: (method, error, times = 1) => {
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) queue.push(error);
      failures.set(method, queue);
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

export { SheetsApiError };
