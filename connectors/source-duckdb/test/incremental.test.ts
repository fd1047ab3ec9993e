import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { byField, readAndResumeFromEveryState, runInProcess } from '@backflow/protocol/testing';
import { source } from '../src/index.js';
import { configure, findStream, runSql, tempDir } from './helpers.js';

// 26 rows: two with a NULL cursor, then cursor values shared by up to four rows, so every
// checkpoint interval below lands inside a group of equal cursor values.
const SETUP = `
CREATE TABLE events (id INTEGER PRIMARY KEY, updated_at TIMESTAMP, note VARCHAR);
INSERT INTO events
SELECT i, CASE WHEN i <= 2 THEN NULL ELSE TIMESTAMP '2024-01-01' + to_minutes(((i - 3) // 4)::BIGINT) END, 'row ' || i
FROM range(1, 27) t(i);
`;

describe('incremental reads resume exactly after the committed state', () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  let path: string;
  beforeAll(async () => {
    dir = await tempDir();
    path = join(dir.dir, 'events.duckdb');
    await runSql(path, SETUP);
  });
  afterAll(() => dir.cleanup());

  const allIds = Array.from({ length: 26 }, (_, i) => i + 1);

  /**
   * Reads everything, then for every state it emitted, "crashes" right after that state was
   * committed and resumes from it: the records before the state plus the resumed ones must
   * be every row exactly once.
   */
  async function expectExactResume(config: object, catalog: ConfiguredAirbyteCatalog, idField: string) {
    const { full, checkpoints, problems } = await readAndResumeFromEveryState(
      source,
      { config, catalog },
      byField(idField),
    );
    const records = full.records.map((record) => Number(record.data[idField]));
    expect([...records].sort((a, b) => a - b)).toEqual(allIds);
    expect(checkpoints.length).toBeGreaterThan(3);
    expect(problems).toEqual([]);
    return { full };
  }

  it('with a primary key: checkpoints every N records at the exact (cursor, key) tuple', async () => {
    const config = { path, checkpoint_interval: 3 };
    const discovered = await runInProcess(source, 'discover', { config });
    const catalog = configure([findStream(discovered.catalog, 'events')], { incremental: true, cursor: 'updated_at' });
    const { full } = await expectExactResume(config, catalog, 'id');
    // One every 3 records (rows 1-2 have a NULL cursor, row 3 starts the values), then the final one.
    expect(full.states.map((state) => state.sourceStats?.recordCount)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 2]);
    expect(full.states[1]!.stream!.stream_state).toEqual({
      cursor_field: 'updated_at',
      cursor_value: '2024-01-01T00:00:00',
      primary_key: ['id'],
      primary_key_values: [6],
    });
    expect(full.states.at(-1)!.stream!.stream_state).toEqual({
      cursor_field: 'updated_at',
      cursor_value: '2024-01-01T00:05:00',
      primary_key: ['id'],
      primary_key_values: [26],
    });
  });

  it('without a primary key: checkpoints only where the cursor value changes', async () => {
    const config = {
      path,
      checkpoint_interval: 3,
      models: [
        { name: 'event_log', sql: 'SELECT id AS event_id, updated_at, note FROM events', cursor_field: 'updated_at' },
      ],
    };
    const discovered = await runInProcess(source, 'discover', { config });
    const stream = findStream(discovered.catalog, 'event_log');
    expect(stream.source_defined_cursor).toBe(true);
    expect(stream.default_cursor_field).toEqual(['updated_at']);
    const catalog = configure([stream], { incremental: true });
    const { full } = await expectExactResume(config, catalog, 'event_id');
    const cursors = full.messages.flatMap((m) => (m.record ? [m.record.data.updated_at] : m.state ? ['STATE'] : []));
    cursors.forEach((cursor, i) => {
      if (cursor === 'STATE' && i > 0 && i < cursors.length - 1) expect(cursors[i - 1]).not.toBe(cursors[i + 1]);
    });
    expect(full.states.every((state) => !('primary_key_values' in state.stream!.stream_state!))).toBe(true);
  });

  it('a later run sends only new rows, including ones sharing the last cursor value', async () => {
    const config = { path: join(dir.dir, 'growing.duckdb') };
    await runSql(config.path, SETUP);
    const discovered = await runInProcess(source, 'discover', { config });
    const catalog = configure([findStream(discovered.catalog, 'events')], { incremental: true, cursor: 'updated_at' });
    const first = await runInProcess(source, 'read', { config, catalog });
    expect(first.records).toHaveLength(26);
    await runSql(
      config.path,
      `INSERT INTO events VALUES (27, TIMESTAMP '2024-01-01 00:05:00', 'same cursor as the last row'),
                                 (28, TIMESTAMP '2024-01-02', 'later'), (29, NULL, 'null cursor after the first run');
       UPDATE events SET updated_at = TIMESTAMP '2024-01-03', note = 'changed' WHERE id = 4;`,
    );
    const second = await runInProcess(source, 'read', { config, catalog, state: first.states.map((s) => s) });
    expect(second.records.map((record) => record.data.id)).toEqual([27, 28, 4]);
    const third = await runInProcess(source, 'read', { config, catalog, state: second.states.slice(-1) });
    expect(third.records).toEqual([]);
    expect(third.states.at(-1)!.stream!.stream_state).toEqual(second.states.at(-1)!.stream!.stream_state);
  });

  it('starts over, with a warning, when the state was saved for another cursor field', async () => {
    const config = { path };
    const discovered = await runInProcess(source, 'discover', { config });
    const catalog = configure([findStream(discovered.catalog, 'events')], { incremental: true, cursor: 'updated_at' });
    const run = await runInProcess(source, 'read', {
      config,
      catalog,
      state: [
        {
          type: 'STREAM',
          stream: {
            stream_descriptor: { name: 'events', namespace: 'main' },
            stream_state: { cursor_field: 'created_at', cursor_value: '2030-01-01T00:00:00' },
          },
        },
      ],
    });
    expect(run.records).toHaveLength(26);
    expect(run.logs.some((log) => log.level === 'WARN' && log.message.includes('created_at'))).toBe(true);
  });

  it('refuses a cursor column that cannot be ordered', async () => {
    const config = { path, models: [{ name: 'm', sql: "SELECT id, {'a': id} AS s FROM events", cursor_field: 's' }] };
    const discovered = await runInProcess(source, 'discover', { config });
    const run = await runInProcess(source, 'read', {
      config,
      catalog: configure([findStream(discovered.catalog, 'm')], { incremental: true }),
    });
    expect(run.errors[0]?.failure_type).toBe('config_error');
    expect(run.errors[0]?.message).toMatch(/cursor field "s" has type STRUCT/);
  });
});

it('refuses a configured catalog that selects no column, naming the stream (as every SQL source does)', async () => {
  const dir = await tempDir();
  try {
    const path = join(dir.dir, 'events.duckdb');
    await runSql(path, SETUP);
    const discovered = await runInProcess(source, 'discover', { config: { path } });
    const stream = findStream(discovered.catalog, 'events');
    const catalog = configure([{ ...stream, json_schema: { type: 'object', properties: {} } }]);
    const run = await runInProcess(source, 'read', { config: { path }, catalog });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatchObject({
      failure_type: 'config_error',
      message: expect.stringMatching(/^table "events": the configured catalog selects no column/),
    });
  } finally {
    await dir.cleanup();
  }
});
