import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseA1 } from './google-sheets/a1.js';
import { parseUserEntered } from './google-sheets/cells.js';
import { discovery, startSheetsFake, type SheetsFake } from './google-sheets/index.js';

// The Sheets fake on its own: the rules test/fakes/README.md lists, each checked here.

let fake: SheetsFake;
let token: string;
let id: string;
let now = Date.UTC(2025, 0, 1);

beforeEach(async () => {
  now = Date.UTC(2025, 0, 1);
  fake = await startSheetsFake({ now: () => now, writesPerMinute: 5, readsPerMinute: 100 });
  const grant = fake.oauthGrant('ops@acme.example');
  const answer = await fetch(fake.tokenUri, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', ...grant }),
  });
  token = ((await answer.json()) as { access_token: string }).access_token;
  id = fake.createSpreadsheet({ title: 'T' }).spreadsheetId;
});
afterEach(async () => {
  const violations = fake.specViolations();
  await fake.close();
  expect(violations).toEqual([]);
});

async function call(method: string, path: string, body?: unknown, auth = true) {
  const response = await fetch(`${fake.url}/v4/spreadsheets/${id}${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const write = (range: string, values: unknown[][], option = 'USER_ENTERED') =>
  call('POST', '/values:batchUpdate', { valueInputOption: option, data: [{ range, values }] });
const read = async (range: string, render = 'UNFORMATTED_VALUE') =>
  (
    await call(
      'GET',
      `/values/${encodeURIComponent(range)}?valueRenderOption=${render}&dateTimeRenderOption=FORMATTED_STRING`,
    )
  ).body;

describe('Sheets fake', () => {
  it('parses A1 notation as Sheets does', () => {
    expect(parseA1("'It''s'!B2:D")).toEqual({
      sheet: "It's",
      startRow: 1,
      endRow: undefined,
      startColumn: 1,
      endColumn: 4,
    });
    expect(parseA1('Sheet1!1:1')).toEqual({
      sheet: 'Sheet1',
      startRow: 0,
      endRow: 1,
      startColumn: undefined,
      endColumn: undefined,
    });
    expect(parseA1('A:C')).toMatchObject({ sheet: undefined, startRow: undefined, startColumn: 0, endColumn: 3 });
    expect(parseA1('Sheet1')).toMatchObject({ sheet: 'Sheet1', startRow: undefined });
    expect(() => parseA1('Sheet1!A1:B2:C3')).toThrow('Unable to parse range');
  });

  it('USER_ENTERED parses numbers, dates, booleans and formulas; an apostrophe keeps text; RAW parses nothing', async () => {
    expect(parseUserEntered('00123')).toEqual({ kind: 'number', value: 123 });
    expect(parseUserEntered('1,234.5')).toEqual({ kind: 'number', value: 1234.5 });
    expect(parseUserEntered('12%')).toEqual({ kind: 'number', value: 0.12 });
    expect(parseUserEntered('2024-02-29')).toMatchObject({ kind: 'number', format: 'DATE' });
    expect(parseUserEntered('2023-02-29')).toEqual({ kind: 'string', value: '2023-02-29' });
    expect(parseUserEntered('true')).toEqual({ kind: 'bool', value: true });
    expect(parseUserEntered('=A1*2')).toEqual({ kind: 'formula', formula: '=A1*2' });
    expect(parseUserEntered("'=A1*2")).toEqual({ kind: 'string', value: '=A1*2' });
    await write('Sheet1!A1:C1', [['=A1*2', '00123', '2024-01-05']], 'RAW');
    expect(fake.cell(id, 'Sheet1', 0, 0)).toEqual({ kind: 'string', value: '=A1*2' });
    await write('Sheet1!A2:C2', [['=A1*2', '00123', '2024-01-05']]);
    expect(fake.cell(id, 'Sheet1', 1, 0)).toEqual({ kind: 'formula', formula: '=A1*2' });
    expect((await read('Sheet1!A2:C2')).values).toEqual([['=A1*2', 123, '2024-01-05']]);
    expect((await read('Sheet1!C2', 'FORMATTED_VALUE')).values).toEqual([['2024-01-05']]);
    expect((await read('Sheet1!A1:C2')).range).toBe('Sheet1!A1:C2');
  });

  it('values.append writes after the table the range starts, inserting whole rows (INSERT_ROWS)', async () => {
    await write('Sheet1!A1:B3', [['h'], ['1'], ['2']]);
    await write('Sheet1!D2:D2', [['note']]); // outside the range's columns
    await write('Sheet1!A5:A5', [['mine']]); // below an empty row: another table
    const appended = await call(
      'POST',
      `/values/${encodeURIComponent('Sheet1!A1:B')}:append?valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS`,
      {
        values: [['3'], ['4']],
      },
    );
    expect(appended.status).toBe(200);
    expect(appended.body).toMatchObject({
      tableRange: 'Sheet1!A1:B3',
      updates: { updatedRange: 'Sheet1!A4:A5', updatedRows: 2 },
    });
    expect(fake.values(id, 'Sheet1').map((row) => row[0])).toEqual(['h', 1, 2, 3, 4, undefined, 'mine']);
    expect(fake.values(id, 'Sheet1')[1]).toEqual([1, '', '', 'note']);
    expect(fake.spreadsheet(id).sheets[0]!.properties.gridProperties.rowCount).toBe(1002);
  });

  it("batchUpdate applies all requests or none, in Google's error shape", async () => {
    const failed = await call('POST', ':batchUpdate', {
      requests: [
        { addSheet: { properties: { title: 'New' } } },
        { deleteDimension: { range: { sheetId: 999, dimension: 'ROWS', startIndex: 0, endIndex: 1 } } },
      ],
    });
    expect(failed).toEqual({
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'Invalid requests[1].deleteDimension: No grid with id: 999',
          status: 'INVALID_ARGUMENT',
        },
      },
    });
    expect(fake.spreadsheet(id).sheets.map((s) => s.properties.title)).toEqual(['Sheet1']);
    const added = await call('POST', ':batchUpdate', { requests: [{ addSheet: { properties: { title: 'New' } } }] });
    expect(added.body.replies[0].addSheet.properties).toMatchObject({
      title: 'New',
      gridProperties: { rowCount: 1000, columnCount: 26 },
    });
    const again = await call('POST', ':batchUpdate', { requests: [{ addSheet: { properties: { title: 'new' } } }] });
    expect(again.body.error.message).toBe(
      'Invalid requests[0].addSheet: A sheet with the name "new" already exists. Please enter another name.',
    );
  });

  it('deleteDimension removes whole rows, so cells beyond any range move with their row', async () => {
    await write('Sheet1!A1:C3', [
      ['a', '', 'note a'],
      ['b', '', 'note b'],
      ['c', '', 'note c'],
    ]);
    await call('POST', ':batchUpdate', {
      requests: [{ deleteDimension: { range: { sheetId: 0, dimension: 'ROWS', startIndex: 1, endIndex: 2 } } }],
    });
    expect(fake.values(id, 'Sheet1')).toEqual([
      ['a', '', 'note a'],
      ['c', '', 'note c'],
    ]);
  });

  it('refuses what the discovery document does not allow, what the grid does not hold, and 50,001 characters', async () => {
    const unknownParam = await call('GET', '/values/A1?bogus=1');
    expect(unknownParam.body.error.message).toMatch(/Unknown name "bogus": Cannot bind query parameter/);
    const badEnum = await call('POST', '/values:batchUpdate', { valueInputOption: 'PARSED', data: [] });
    expect(badEnum.body.error.message).toMatch(/Invalid value at 'batchUpdateValuesRequest.valueInputOption'/);
    expect(fake.specViolations()).toEqual([expect.stringContaining('valueInputOption')]);
    fake.requests.pop(); // sent out of spec on purpose: kept out of afterEach's check
    const missing = await call('POST', '/values:batchUpdate', { data: [] });
    expect(missing.body.error.message).toBe("'valueInputOption' is required but not specified");
    expect((await read('Sheet1!A1001')).error.message).toBe(
      'Range (Sheet1!A1001) exceeds grid limits. Max rows: 1000, max columns: 26',
    );
    const long = await write('Sheet1!A1', [['x'.repeat(50_001)]]);
    expect(long.body.error.message).toBe(
      'Invalid data[0]: values[0][0]: Your input contains more than the maximum of 50000 characters in a single cell.',
    );
  });

  it('401 without a token, 403 without access, 404 for an unknown spreadsheet', async () => {
    const anonymous = await call('GET', '', undefined, false);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toMatchObject({
      status: 'UNAUTHENTICATED',
      details: [{ reason: 'CREDENTIALS_MISSING' }],
    });
    id = fake.createSpreadsheet({ editors: ['other@acme.example'] }).spreadsheetId;
    expect((await call('GET', '')).body.error).toEqual({
      code: 403,
      message: 'The caller does not have permission',
      status: 'PERMISSION_DENIED',
    });
    id = 'missing';
    expect((await call('GET', '')).body.error).toEqual({
      code: 404,
      message: 'Requested entity was not found.',
      status: 'NOT_FOUND',
    });
  });

  it('counts write requests per user per minute: the next one is a 429 RESOURCE_EXHAUSTED until the minute ends', async () => {
    for (let i = 0; i < 5; i++) expect((await write('Sheet1!A1', [[i]])).status).toBe(200);
    const limited = await write('Sheet1!A1', [[9]]);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({
      status: 'RESOURCE_EXHAUSTED',
      message: expect.stringContaining("limit 'Write requests per minute per user' of service 'sheets.googleapis.com'"),
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'RATE_LIMIT_EXCEEDED',
          metadata: { quota_limit: 'WriteRequestsPerMinutePerUser' },
        },
      ],
    });
    expect((await read('Sheet1!A1')).values).toEqual([[4]]); // reads have their own quota
    now += 60_000;
    expect((await write('Sheet1!A1', [[9]])).status).toBe(200);
  });

  it('spreadsheets.get honours `fields` and returns grid data for `ranges`', async () => {
    await write('Sheet1!A1:B1', [['x', '=1+1']]);
    const partial = await call('GET', '?fields=properties(title,timeZone),sheets.properties(title)');
    expect(partial.body).toEqual({
      properties: { title: 'T', timeZone: 'Etc/GMT' },
      sheets: [{ properties: { title: 'Sheet1' } }],
    });
    const grid = await call('GET', '?ranges=Sheet1!A1:B1&includeGridData=true');
    expect(grid.body.sheets[0].data[0].rowData[0].values).toEqual([
      { userEnteredValue: { stringValue: 'x' } },
      { userEnteredValue: { formulaValue: '=1+1' } },
    ]);
  });

  it('the response check finds answers outside the discovery document', () => {
    expect(discovery.responseViolations('sheets.spreadsheets.values.get', { range: 'A1', bogus: 1 })).toEqual([
      'ValueRange.bogus: not in schema',
    ]);
    expect(
      discovery.requestViolations('sheets.spreadsheets.batchUpdate', {
        requests: [{ addSheet: { properties: { title: 3 } } }],
      }),
    ).toEqual([]);
    expect(
      discovery.requestViolations('sheets.spreadsheets.batchUpdate', { requests: [{ addSheets: {} }] }),
    ).toHaveLength(1);
  });
});
