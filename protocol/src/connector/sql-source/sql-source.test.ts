import { describe, expect, it } from 'vitest';
import type { ConfiguredAirbyteStream } from '../../types.js';
import { CheckpointPlanner, type Position } from './checkpoint-planner.js';
import { RecordLines } from '../definitions.js';
import { checkpointedLines, checkpointedRows, namedRowReader } from './checkpoint-loop.js';
import { resumeFrom } from './cursor-state.js';
import { planSqlRead, type SqlTypes } from './read-plan.js';
import { sqlSelect, type SqlDialect } from './select.js';

interface TestColumn {
  readonly name: string;
  readonly type: string;
}
const types: SqlTypes<TestColumn> = { orderable: (c) => c.type !== 'JSON', typeName: (c) => c.type };
const dialect: SqlDialect<TestColumn, string> = {
  quote: (name) => `"${name}"`,
  bind: (value, column, index) => ({ placeholder: `CAST($${index + 1} AS ${column.type})`, parameter: String(value) }),
};
const columns: TestColumn[] = [
  { name: 'id', type: 'INTEGER' },
  { name: 'name', type: 'VARCHAR' },
  { name: 'u', type: 'TIMESTAMP' },
  { name: 'doc', type: 'JSON' },
];
const configured = (
  overrides: Partial<ConfiguredAirbyteStream> = {},
  properties?: object,
): ConfiguredAirbyteStream => ({
  stream: {
    name: 't',
    json_schema: properties ? { type: 'object', properties } : { type: 'object' },
    supported_sync_modes: ['full_refresh', 'incremental'],
  },
  sync_mode: 'incremental',
  destination_sync_mode: 'append',
  cursor_field: ['u'],
  primary_key: [['id'], ['name']],
  ...overrides,
});
const options = { checkpointInterval: 2, warn: () => undefined };

const at = (cursor: string | null, ...key: (number | null)[]): Position => ({ cursor, key });

/** Runs the planner over rows and returns the emitted sequence: row labels and checkpoints. */
function plan(planner: CheckpointPlanner, rows: readonly Position[]): unknown[] {
  const out: unknown[] = [];
  for (const row of rows) {
    const before = planner.before(row);
    if (before) out.push(before);
    out.push(`${row.cursor}/${row.key.join(',')}`);
    const after = planner.after(row);
    if (after) out.push(after);
  }
  const final = planner.final();
  if (final) out.push(final);
  return out;
}

describe('CheckpointPlanner', () => {
  it('with a key, checkpoints every N rows at the exact tuple, even inside a cursor value', () => {
    const planner = new CheckpointPlanner('u', ['id'], 2, undefined);
    expect(plan(planner, [at('a', 1), at('a', 2), at('a', 3)])).toEqual([
      'a/1',
      'a/2',
      { cursor_field: 'u', cursor_value: 'a', primary_key: ['id'], primary_key_values: [2] },
      'a/3',
      { cursor_field: 'u', cursor_value: 'a', primary_key: ['id'], primary_key_values: [3] },
    ]);
  });

  it('without a key, waits for the cursor value to change', () => {
    const planner = new CheckpointPlanner('u', undefined, 2, undefined);
    expect(plan(planner, [at('a'), at('a'), at('a'), at('b')])).toEqual([
      'a/',
      'a/',
      'a/',
      { cursor_field: 'u', cursor_value: 'a' },
      'b/',
      { cursor_field: 'u', cursor_value: 'b' },
    ]);
  });

  it('never checkpoints at a NULL cursor or key except to close the NULL-cursor rows', () => {
    const planner = new CheckpointPlanner('u', ['id'], 1, undefined);
    expect(plan(planner, [at(null, 1), at('a', null), at('a', 5)])).toEqual([
      'null/1',
      { cursor_field: 'u', cursor_value: null },
      'a/',
      'a/5',
      { cursor_field: 'u', cursor_value: 'a', primary_key: ['id'], primary_key_values: [5] },
    ]);
  });

  it('repeats the state it started from when no row is new, and emits nothing on a first empty read', () => {
    const state = { cursor_field: 'u', cursor_value: 'z' };
    expect(plan(new CheckpointPlanner('u', undefined, 10, state), [])).toEqual([state]);
    expect(plan(new CheckpointPlanner('u', undefined, 10, undefined), [])).toEqual([]);
  });
});

describe('resumeFrom and incrementalQuery', () => {
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);

  it('decodes each kind of state', () => {
    expect(resumeFrom(undefined, 'u', ['id'], warn)).toEqual({ kind: 'start' });
    expect(resumeFrom({ cursor_field: 'u', cursor_value: null }, 'u', [], warn)).toEqual({ kind: 'non-null-cursor' });
    expect(resumeFrom({ cursor_field: 'u', cursor_value: 'x' }, 'u', ['id'], warn)).toEqual({
      kind: 'after-cursor',
      cursor: 'x',
    });
    expect(
      resumeFrom(
        { cursor_field: 'u', cursor_value: 'x', primary_key: ['id'], primary_key_values: [3] },
        'u',
        ['id'],
        warn,
      ),
    ).toEqual({ kind: 'after-key', cursor: 'x', key: [3] });
    expect(warnings).toEqual([]);
    expect(
      resumeFrom({ cursor_field: 'u', cursor_value: 'x', primary_key: ['id'], primary_key_values: [3] }, 'u', [], warn),
    ).toEqual({ kind: 'from-cursor', cursor: 'x' });
    expect(resumeFrom({ cursor_field: 'other', cursor_value: 'x' }, 'u', [], warn)).toEqual({ kind: 'start' });
    expect(warnings).toHaveLength(2);
  });

  it('reads a state written by source-postgres 0.1 (`cursor`) as `cursor_value`', () => {
    expect(resumeFrom({ cursor_field: 'u', cursor: 'x' }, 'u', [], warn)).toEqual({
      kind: 'after-cursor',
      cursor: 'x',
    });
  });
});

describe('planSqlRead and sqlSelect', () => {
  it('orders by (cursor, key) and binds resume values cast to the column types', () => {
    const plan = planSqlRead(
      { subject: 'table "t"', columns },
      {
        stream: configured({}, { id: {}, name: {} }),
        state: {
          cursor_field: 'u',
          cursor_value: '2024-01-01T00:00:00',
          primary_key: ['id', 'name'],
          primary_key_values: [7, 'b'],
        },
      },
      types,
      options,
    );
    expect(plan.emitted).toEqual(['id', 'name']);
    const query = sqlSelect(plan, '"main"."t"', dialect);
    expect(query.params).toEqual(['2024-01-01T00:00:00', '7', 'b']);
    expect(query.sql).toBe(
      'SELECT "id", "name", "u" FROM "main"."t" AS src WHERE "u" > CAST($1 AS TIMESTAMP) OR ("u" = CAST($1 AS TIMESTAMP) AND ' +
        '("id" > CAST($2 AS INTEGER) OR "id" IS NULL OR ("id" = CAST($2 AS INTEGER) AND ("name" > CAST($3 AS VARCHAR) OR "name" IS NULL))))' +
        ' ORDER BY "u" ASC NULLS FIRST, "id" ASC NULLS LAST, "name" ASC NULLS LAST',
    );
  });

  it('selects every column when the schema lists none, and refuses an empty selection naming the stream', () => {
    const all = planSqlRead(
      { subject: 'table "t"', columns },
      { stream: configured({ sync_mode: 'full_refresh' }), state: undefined },
      types,
      options,
    );
    expect(sqlSelect(all, 't', dialect).sql).toBe('SELECT "id", "name", "u", "doc" FROM t AS src');
    expect(() =>
      planSqlRead({ subject: 'table "t"', columns }, { stream: configured({}, {}), state: undefined }, types, options),
    ).toThrow('table "t": the configured catalog selects no column');
    expect(() =>
      planSqlRead(
        { subject: 'table "t"', columns },
        { stream: configured({}, { gone: {} }), state: undefined },
        types,
        options,
      ),
    ).toThrow('table "t": columns "gone" are in the catalog but no longer in the stream; run discover again');
  });

  it('refuses a cursor it cannot order by, and drops such a key with a warning', () => {
    expect(() =>
      planSqlRead(
        { subject: 'table "t"', columns },
        { stream: configured({ cursor_field: ['doc'] }), state: undefined },
        types,
        options,
      ),
    ).toThrow('table "t": cursor field "doc" has type JSON, which cannot be used as a cursor');
    const warnings: string[] = [];
    const plan = planSqlRead(
      { subject: 'table "t"', columns },
      { stream: configured({ primary_key: [['doc']] }), state: undefined },
      types,
      { checkpointInterval: 2, warn: (message) => warnings.push(message) },
    );
    expect(plan.incremental?.key).toEqual([]);
    expect(warnings).toEqual([
      'table "t": primary key ["doc"] cannot order the read; checkpointing between cursor values only',
    ]);
  });
});

describe('checkpointedRows', () => {
  it("interleaves records (emitted columns only) with the planner's checkpoints", async () => {
    const plan = planSqlRead(
      { subject: 'table "t"', columns },
      { stream: configured({}, { name: {} }), state: undefined },
      types,
      options,
    );
    const rows = [
      { id: 1, name: 'a', u: 'x' },
      { id: 2, name: 'b', u: 'x' },
      { id: 3, name: 'c', u: 'y' },
    ];
    const out: unknown[] = [];
    for await (const item of checkpointedRows(
      (async function* () {
        yield* rows;
      })(),
      plan,
      namedRowReader(plan),
    )) {
      out.push(item instanceof Object && 'state' in item ? item.state : item);
    }
    expect(out).toEqual([
      { name: 'a' },
      { name: 'b' },
      { cursor_field: 'u', cursor_value: 'x', primary_key: ['id', 'name'], primary_key_values: [2, 'b'] },
      { name: 'c' },
      { cursor_field: 'u', cursor_value: 'y', primary_key: ['id', 'name'], primary_key_values: [3, 'c'] },
    ]);
  });
});

describe('checkpointedLines', () => {
  /** Encoded batches of rows `${u}/${id}` (one line each), with their positions. */
  async function* batches(...rows: [u: string, id: number][][]) {
    for (const batch of rows) {
      const lines = batch.map(([u, id]) => `${u}/${id}\n`);
      const ends = lines.map((_, i) => lines.slice(0, i + 1).join('').length);
      yield {
        bytes: Buffer.from(lines.join('')),
        count: lines.length,
        ends,
        positions: batch.map(([u, id]) => at(u, id)),
      };
    }
  }
  const read = async (items: AsyncIterable<RecordLines | { state: unknown }>) => {
    const out: unknown[] = [];
    for await (const item of items) {
      out.push(item instanceof RecordLines ? [Buffer.from(item.bytes).toString(), item.count] : item.state);
    }
    return out;
  };

  it('cuts each batch where the planner puts a checkpoint, after or before a row', async () => {
    const keyed = planSqlRead(
      { subject: 'table "t"', columns },
      { stream: configured({ primary_key: [['id']] }), state: undefined },
      types,
      options,
    );
    expect(
      await read(
        checkpointedLines(
          batches(
            [
              ['x', 1],
              ['x', 2],
              ['y', 3],
            ],
            [['y', 4]],
          ),
          keyed,
        ),
      ),
    ).toEqual([
      ['x/1\nx/2\n', 2],
      { cursor_field: 'u', cursor_value: 'x', primary_key: ['id'], primary_key_values: [2] },
      ['y/3\n', 1],
      ['y/4\n', 1],
      { cursor_field: 'u', cursor_value: 'y', primary_key: ['id'], primary_key_values: [4] },
    ]);
    const unkeyed = planSqlRead(
      { subject: 'table "t"', columns },
      { stream: configured({ primary_key: [] }), state: undefined },
      types,
      options,
    );
    expect(
      await read(
        checkpointedLines(
          batches([
            ['x', 1],
            ['x', 2],
            ['x', 3],
            ['y', 4],
          ]),
          unkeyed,
        ),
      ),
    ).toEqual([
      ['x/1\nx/2\nx/3\n', 3],
      { cursor_field: 'u', cursor_value: 'x' },
      ['y/4\n', 1],
      { cursor_field: 'u', cursor_value: 'y' },
    ]);
  });

  it('passes a full refresh through a batch at a time, without checkpoints', async () => {
    const full = planSqlRead(
      { subject: 'table "t"', columns },
      { stream: configured({ sync_mode: 'full_refresh' }), state: undefined },
      types,
      options,
    );
    expect(
      await read(
        checkpointedLines(
          batches(
            [
              ['x', 1],
              ['x', 2],
              ['y', 3],
            ],
            [['y', 4]],
          ),
          full,
        ),
      ),
    ).toEqual([
      ['x/1\nx/2\ny/3\n', 3],
      ['y/4\n', 1],
    ]);
  });

  it("hands each batch's `written` on with its last lines, wherever checkpoints cut it", async () => {
    const keyed = planSqlRead(
      { subject: 'table "t"', columns },
      { stream: configured({ primary_key: [['id']] }), state: undefined },
      types,
      options,
    );
    const full = planSqlRead(
      { subject: 'table "t"', columns },
      { stream: configured({ sync_mode: 'full_refresh' }), state: undefined },
      types,
      options,
    );
    /** The batches, each with a `written` naming it. */
    async function* named(...rows: [u: string, id: number][][]) {
      let index = 0;
      for await (const batch of batches(...rows)) {
        const name = `batch ${index++}`;
        yield { ...batch, written: () => name };
      }
    }
    const items = async (lines: AsyncIterable<RecordLines | { state: unknown }>) => {
      const out: unknown[] = [];
      for await (const item of lines) {
        if (item instanceof RecordLines) out.push([Buffer.from(item.bytes).toString(), item.written?.()]);
      }
      return out;
    };
    // The first batch ends with a checkpoint after its last row, the second has one before its last.
    const rows: [string, number][][] = [
      [
        ['x', 1],
        ['x', 2],
      ],
      [
        ['y', 3],
        ['y', 4],
        ['z', 5],
      ],
    ];
    expect(await items(checkpointedLines(named(...rows), keyed))).toEqual([
      ['x/1\nx/2\n', 'batch 0'],
      ['y/3\ny/4\n', undefined],
      ['z/5\n', 'batch 1'],
    ]);
    expect(await items(checkpointedLines(named(...rows), full))).toEqual([
      ['x/1\nx/2\n', 'batch 0'],
      ['y/3\ny/4\nz/5\n', 'batch 1'],
    ]);
  });
});
