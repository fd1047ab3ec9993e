import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, customer, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const S = 'segment';
const HEADER = ['id', 'email', 'plan', 'ltv', 'signed_up'];
const row = (id: number, overrides: Record<string, unknown> = {}) => {
  const c = customer(id, overrides);
  return [c.id, c.email, c.plan, c.ltv, c.signed_up];
};

describe('mirror', () => {
  it('creates the sheet with a header, then updates, appends and deletes rows; notes and rows below stay', async () => {
    const setup = await setUp();
    const cat = catalog(stream(S, 'mirror', { sheet: 'High value' }));
    const first = await setup.run('write', {
      catalog: cat,
      input: [...[1, 2, 3, 4, 5].map((id) => record(S, customer(id))), state(S)],
    });
    expect(first.exitCode).toBe(0);
    expect(first.states).toHaveLength(1);
    expect(setup.sheet('High value')).toEqual([HEADER, ...[1, 2, 3, 4, 5].map((id) => row(id))]);

    // A person types notes to the right of rows 2 and 4, and their own rows below an empty row.
    const book = setup.fake.spreadsheet(setup.spreadsheetId);
    const sheet = book.sheets.find((s) => s.properties.title === 'High value')!;
    sheet.rows[2]![6] = { kind: 'string', value: 'call back (2)' };
    sheet.rows[4]![6] = { kind: 'string', value: 'VIP (4)' };
    sheet.rows[5]![6] = { kind: 'string', value: 'churn risk (5)' };
    sheet.rows[8] = [{ kind: 'string', value: 'my own row' }, undefined, { kind: 'number', value: 42 }];

    const writesBefore = setup.fake.writeCount();
    const second = await setup.run('write', {
      catalog: cat,
      input: [
        record(S, customer(2, { plan: 'enterprise' })),
        record(S, { id: 3 }, 'delete'),
        record(S, customer(6)),
        record(S, customer(5, { ltv: 1 })),
        record(S, { id: 1 }, 'delete'),
        state(S),
      ],
    });
    expect(second.exitCode).toBe(0);
    expect(rejectedOf(second)).toEqual([]);
    // One values.batchUpdate, one batchUpdate of deletes, one values.append.
    expect(setup.fake.writeCount() - writesBefore).toBe(3);
    const values = setup.sheet('High value');
    expect(values).toEqual([
      HEADER,
      [...row(2, { plan: 'enterprise' }), '', 'call back (2)'],
      [...row(4), '', 'VIP (4)'],
      [...row(5, { ltv: 1 }), '', 'churn risk (5)'],
      row(6),
      [],
      [],
      ['my own row', '', 42],
    ]);
  });
});
