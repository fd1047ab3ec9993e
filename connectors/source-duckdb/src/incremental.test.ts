import { VARCHAR, TIMESTAMP, INTEGER } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { CheckpointPlanner, resumeFrom, type Position } from '@backflow/protocol/connector';
import { incrementalQuery } from './incremental.js';

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

  it('orders by (cursor, key) and binds resume values cast to the column types', () => {
    const query = incrementalQuery(
      '"main"."t"',
      ['id', 'name', 'u'],
      { name: 'u', type: TIMESTAMP },
      [
        { name: 'id', type: INTEGER },
        { name: 'name', type: VARCHAR },
      ],
      { kind: 'after-key', cursor: '2024-01-01T00:00:00', key: [7, 'b'] },
    );
    expect(query.params).toEqual(['2024-01-01T00:00:00', '7', 'b']);
    expect(query.sql).toBe(
      'SELECT "id", "name", "u" FROM "main"."t" AS src WHERE "u" > CAST($1 AS TIMESTAMP) OR ("u" = CAST($1 AS TIMESTAMP) AND ' +
        '("id" > CAST($2 AS INTEGER) OR "id" IS NULL OR ("id" = CAST($2 AS INTEGER) AND ("name" > CAST($3 AS VARCHAR) OR "name" IS NULL))))' +
        ' ORDER BY "u" ASC NULLS FIRST, "id" ASC NULLS LAST, "name" ASC NULLS LAST',
    );
  });
});
