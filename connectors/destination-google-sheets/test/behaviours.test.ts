import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, customer, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const S = 'segment';
const ids = (rows: unknown[][]) => rows.slice(1).map((row) => row[0]);

describe('behaviours', () => {
  it('upsert updates rows in place and appends new ones; deletes are not sent, rows stay', async () => {
    const setup = await setUp();
    const cat = catalog(stream(S, 'upsert'));
    await setup.run('write', { catalog: cat, input: [record(S, customer(1)), record(S, customer(2)), state(S)] });
    const run = await setup.run('write', {
      catalog: cat,
      input: [
        record(S, customer(2, { plan: 'team' })),
        record(S, customer(3)),
        record(S, customer(3, { plan: 'last wins' })),
        state(S),
      ],
    });
    expect(run.exitCode).toBe(0);
    expect(setup.sheet(S).map((row) => [row[0], row[2]])).toEqual([
      ['id', 'plan'],
      [1, 'pro'],
      [2, 'team'],
      [3, 'last wins'],
    ]);
  });

  it('delete records are rejected under every behaviour but mirror, and no row is removed', async () => {
    const setup = await setUp();
    await setup.run('write', { catalog: catalog(stream(S, 'upsert')), input: [record(S, customer(1)), state(S)] });
    const run = await setup.run('write', {
      catalog: catalog(stream(S, 'upsert')),
      input: [record(S, { id: 1 }, 'delete'), state(S)],
    });
    expect(rejectedOf(run)).toEqual([
      expect.objectContaining({ reason: 'a delete record under behaviour upsert: only mirror removes rows' }),
    ]);
    expect(setup.sheet(S)).toHaveLength(2);
  });

  it('update changes existing rows only and rejects keys the sheet does not have', async () => {
    const setup = await setUp();
    await setup.run('write', { catalog: catalog(stream(S, 'upsert')), input: [record(S, customer(1)), state(S)] });
    const run = await setup.run('write', {
      catalog: catalog(stream(S, 'update')),
      input: [record(S, customer(1, { plan: 'team' })), record(S, customer(7)), state(S)],
    });
    expect(run.exitCode).toBe(0);
    expect(rejectedOf(run)).toEqual([
      expect.objectContaining({ reason: 'no row with key 7 in sheet "segment" (update changes existing rows only)' }),
    ]);
    expect(
      setup
        .sheet(S)
        .slice(1)
        .map((row) => row[2]),
    ).toEqual(['team']);
  });

  it('append adds a row for every record, the same key included; insert adds rows', async () => {
    const setup = await setUp();
    const run = await setup.run('write', {
      catalog: catalog(stream('events', 'append', { sheet: 'Log' }), stream('new', 'insert', { sheet: 'New' })),
      input: [
        record('events', customer(1)),
        record('events', customer(1, { plan: 'team' })),
        record('new', customer(5)),
        state('events'),
      ],
    });
    expect(run.exitCode).toBe(0);
    expect(
      setup
        .sheet('Log')
        .slice(1)
        .map((row) => [row[0], row[2]]),
    ).toEqual([
      [1, 'pro'],
      [1, 'team'],
    ]);
    expect(ids(setup.sheet('New'))).toEqual([5]);
  });

  it('a composite key finds rows by every key column', async () => {
    const setup = await setUp();
    const cat = catalog(stream(S, 'mirror', { key: ['id', 'email'] }));
    await setup.run('write', {
      catalog: cat,
      input: [record(S, customer(1)), record(S, customer(1, { email: 'other@example.com' })), state(S)],
    });
    await setup.run('write', {
      catalog: cat,
      input: [
        record(S, { id: 1, email: 'c1@example.com' }, 'delete'),
        record(S, customer(1, { email: 'other@example.com', plan: 'x' })),
        state(S),
      ],
    });
    expect(
      setup
        .sheet(S)
        .slice(1)
        .map((row) => [row[0], row[1], row[2]]),
    ).toEqual([[1, 'other@example.com', 'x']]);
  });

  it('an existing sheet whose header differs from the fields is refused at open, naming both', async () => {
    const setup = await setUp();
    const book = setup.fake.spreadsheet(setup.spreadsheetId);
    book.sheets[0]!.rows[0] = [
      { kind: 'string', value: 'id' },
      { kind: 'string', value: 'mail' },
    ];
    const run = await setup.run('write', {
      catalog: catalog(stream(S, 'upsert', { sheet: 'Sheet1' })),
      input: [record(S, customer(1)), state(S)],
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]?.message).toBe(
      'stream "segment": sheet "Sheet1" has the header [id, mail] but the stream\'s fields are [id, email, plan, ltv, signed_up]; change the mapping, fix the header cells, or write to another sheet',
    );
    expect(setup.fake.writeCount()).toBe(0);
  });

  it('an existing sheet with the header and rows is continued: rows found by key, notes columns to the right allowed', async () => {
    const setup = await setUp();
    const book = setup.fake.spreadsheet(setup.spreadsheetId);
    const text = (value: string) => ({ kind: 'string' as const, value });
    book.sheets[0]!.rows[0] = ['id', 'email', 'plan', 'ltv', 'signed_up', 'notes'].map(text);
    book.sheets[0]!.rows[1] = [
      { kind: 'number', value: 4 },
      text('old'),
      undefined,
      undefined,
      undefined,
      text('keep me'),
    ];
    const run = await setup.run('write', {
      catalog: catalog(stream(S, 'upsert', { sheet: 'Sheet1' })),
      input: [record(S, customer(4)), state(S)],
    });
    expect(run.exitCode).toBe(0);
    expect(setup.sheet('Sheet1')[1]).toEqual([4, 'c4@example.com', 'free', 42, '2024-01-15', 'keep me']);
    expect(setup.sheet('Sheet1')).toHaveLength(2);
  });

  it('two streams writing one sheet, or a key that is not a column, are refused at open', async () => {
    const setup = await setUp();
    const twice = await setup.run('write', {
      catalog: catalog(stream('a', 'upsert', { sheet: 'X' }), stream('b', 'upsert', { sheet: 'x' })),
      input: [],
    });
    expect(twice.errors[0]?.message).toBe('streams "a" and "b" both write sheet "x"; give each its own destination');
    const badKey = await setup.run('write', { catalog: catalog(stream(S, 'mirror', { key: ['nope'] })), input: [] });
    expect(badKey.errors[0]?.message).toBe(
      'stream "segment": key "nope" must be one of the sheet\'s columns (id, email, plan, ltv, signed_up) to find rows by it',
    );
  });

  it("a row typed right under Backflow's rows (no empty row) joins its block: new rows go after it, it is never touched", async () => {
    const setup = await setUp();
    const cat = catalog(stream(S, 'mirror'));
    await setup.run('write', { catalog: cat, input: [record(S, customer(1)), record(S, customer(2)), state(S)] });
    const sheet = setup.fake.spreadsheet(setup.spreadsheetId).sheets.find((s) => s.properties.title === S)!;
    sheet.rows[3] = [undefined, { kind: 'string', value: 'typed by a person' }];
    const run = await setup.run('write', {
      catalog: cat,
      input: [record(S, customer(3)), record(S, customer(2, { plan: 'team' })), state(S)],
    });
    expect(run.exitCode).toBe(0);
    const third = await setup.run('write', {
      catalog: cat,
      input: [record(S, customer(3, { plan: 'moved' })), record(S, { id: 1 }, 'delete'), state(S)],
    });
    expect(third.exitCode).toBe(0);
    expect(setup.sheet(S).map((row) => [row[0], row[1], row[2]])).toEqual([
      ['id', 'email', 'plan'],
      [2, 'c2@example.com', 'team'],
      ['', 'typed by a person', undefined],
      [3, 'c3@example.com', 'moved'],
    ]);
  });

  it('a batch written but never covered by a STATE is sent again by the runner: rows are found by key, not doubled', async () => {
    const setup = await setUp();
    const cat = catalog(stream(S, 'upsert'));
    const batch = [record(S, customer(1)), record(S, customer(2))];
    // Written, but the sync died before the runner saved the STATE: it sends the batch again.
    await setup.run('write', { catalog: cat, input: [...batch, state(S)] });
    expect(setup.sheet(S)).toHaveLength(3);
    const resent = await setup.run('write', { catalog: cat, input: [...batch, state(S)] });
    expect(resent.states).toHaveLength(1);
    expect(setup.sheet(S).map((row) => row[0])).toEqual(['id', 1, 2]);
  });

  it('a key on two rows of the sheet: the first is written, a warning names it', async () => {
    const setup = await setUp();
    await setup.run('write', {
      catalog: catalog(stream(S, 'upsert')),
      input: [record(S, customer(1)), record(S, customer(2)), state(S)],
    });
    const sheet = setup.fake.spreadsheet(setup.spreadsheetId).sheets.find((s) => s.properties.title === S)!;
    sheet.rows[2] = [...sheet.rows[1]!]; // a person copied row 2 over row 3
    const run = await setup.run('write', {
      catalog: catalog(stream(S, 'upsert')),
      input: [record(S, customer(1, { plan: 'x' })), state(S)],
    });
    expect(run.logs.map((log) => log.message).join('\n')).toMatch(
      /sheet "segment": 1 key\(s\) appear on more than one row \(e\.g\. 1\)/,
    );
    expect(setup.sheet(S).map((row) => row[2])).toEqual(['plan', 'x', 'pro']);
  });
});
