import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { byField, readAndResumeFromEveryState, runInProcess, streamState } from '@backflow/protocol/testing';
import type { BigQuerySourceConfig } from '../src/index.js';
import {
  configFor,
  configure,
  findStream,
  lastJobQuery,
  PROJECT,
  sourceFor,
  startBigQueryFake,
  type BigQueryFake,
} from './helpers.js';

// 26 rows: two with a NULL cursor, then cursor values shared by up to four rows, so every
// checkpoint interval below lands inside a group of equal cursor values.
const SETUP = `
CREATE TABLE analytics.events (id BIGINT, updated_at TIMESTAMPTZ, local_time TIMESTAMP, note VARCHAR);
INSERT INTO analytics.events
SELECT i,
       CASE WHEN i <= 2 THEN NULL ELSE TIMESTAMPTZ '2024-01-01 00:00:00.000001+00' + to_minutes(((i - 3) // 4)::BIGINT) END,
       CASE WHEN i <= 2 THEN NULL ELSE TIMESTAMP '2024-01-01 00:00:00.5' + to_minutes(((i - 3) // 4)::BIGINT) END,
       'row ' || i
FROM range(1, 27) t(i);
`;

describe('incremental reads resume exactly after the committed state', () => {
  let fake: BigQueryFake;
  beforeAll(async () => {
    fake = await startBigQueryFake({ projectId: PROJECT, datasets: ['analytics'] });
    await fake.db.run(SETUP);
  });
  afterAll(() => fake.close());

  const allIds = Array.from({ length: 26 }, (_, i) => i + 1);

  /**
   * Reads everything, then for every state it emitted, "crashes" right after that state was
   * committed and resumes from it: the records before the state plus the resumed ones must
   * be every row exactly once.
   */
  async function expectExactResume(config: BigQuerySourceConfig, catalog: ConfiguredAirbyteCatalog, idField: string) {
    const { source } = sourceFor(fake);
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
    const { source } = sourceFor(fake);
    const config = configFor(fake, { checkpoint_interval: 3 });
    const discovered = await runInProcess(source, 'discover', { config });
    const catalog = configure([findStream(discovered.catalog, 'events')], {
      incremental: true,
      cursor: 'updated_at',
      primaryKey: ['id'],
    });
    const { full } = await expectExactResume(config, catalog, 'id');
    expect(full.states.map((state) => state.sourceStats?.recordCount)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 2]);
    expect(full.states[1]!.stream!.stream_state).toEqual({
      cursor_field: 'updated_at',
      cursor_value: '2024-01-01T00:00:00.000001Z',
      primary_key: ['id'],
      primary_key_values: ['6'],
    });
    expect(full.states.at(-1)!.stream!.stream_state).toEqual({
      cursor_field: 'updated_at',
      cursor_value: '2024-01-01T00:05:00.000001Z',
      primary_key: ['id'],
      primary_key_values: ['26'],
    });
  });

  it('sends the resume position as typed query parameters, never in the SQL text', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake);
    const discovered = await runInProcess(source, 'discover', { config });
    const catalog = configure([findStream(discovered.catalog, 'events')], {
      incremental: true,
      cursor: 'updated_at',
      primaryKey: ['id'],
    });
    const blob = {
      cursor_field: 'updated_at',
      cursor_value: '2024-01-01T00:02:00.000001Z',
      primary_key: ['id'],
      primary_key_values: ['12'],
    };
    const run = await runInProcess(source, 'read', {
      config,
      catalog,
      state: [streamState(catalog.streams[0]!.stream, blob)],
    });
    expect(run.records.map((record) => record.data.id)).toEqual([
      '13',
      '14',
      ...Array.from({ length: 12 }, (_, i) => String(15 + i)),
    ]);
    const query = lastJobQuery(fake);
    expect(query.query).toBe(
      `SELECT \`id\`, \`updated_at\`, \`local_time\`, \`note\` FROM \`${PROJECT}.analytics.events\` AS src ` +
        'WHERE `updated_at` > @p0 OR (`updated_at` = @p0 AND (`id` > @p1 OR `id` IS NULL)) ' +
        'ORDER BY `updated_at` ASC NULLS FIRST, `id` ASC NULLS LAST',
    );
    expect(query.parameterMode).toBe('NAMED');
    expect(query.queryParameters).toEqual([
      { name: 'p0', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: '2024-01-01T00:02:00.000001Z' } },
      { name: 'p1', parameterType: { type: 'INT64' }, parameterValue: { value: '12' } },
    ]);
  });

  it('without a primary key: checkpoints only where the cursor value changes (DATETIME cursor, model)', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake, {
      checkpoint_interval: 3,
      tables: [],
      models: [
        { name: 'event_log', sql: 'SELECT id AS event_id, local_time, note FROM events', cursor_field: 'local_time' },
      ],
    });
    const discovered = await runInProcess(source, 'discover', { config });
    const catalog = configure([findStream(discovered.catalog, 'event_log')], { incremental: true });
    const { full } = await expectExactResume(config, catalog, 'event_id');
    const cursors = full.messages.flatMap((m) => (m.record ? [m.record.data.local_time] : m.state ? ['STATE'] : []));
    cursors.forEach((cursor, i) => {
      if (cursor === 'STATE' && i > 0 && i < cursors.length - 1) expect(cursors[i - 1]).not.toBe(cursors[i + 1]);
    });
    expect(full.states.every((state) => !('primary_key_values' in state.stream!.stream_state!))).toBe(true);
    expect(full.states.at(-1)!.stream!.stream_state).toEqual({
      cursor_field: 'local_time',
      cursor_value: '2024-01-01T00:05:00.5',
    });
  });

  it('a later run sends only new rows, including ones sharing the last cursor value', async () => {
    await fake.db.run(`CREATE TABLE analytics.growing AS SELECT * FROM analytics.events`);
    const { source } = sourceFor(fake);
    const config = configFor(fake, { tables: ['growing'] });
    const discovered = await runInProcess(source, 'discover', { config });
    const catalog = configure([findStream(discovered.catalog, 'growing')], {
      incremental: true,
      cursor: 'updated_at',
      primaryKey: ['id'],
    });
    const first = await runInProcess(source, 'read', { config, catalog });
    expect(first.records).toHaveLength(26);
    await fake.db.run(`
      INSERT INTO analytics.growing VALUES
        (27, TIMESTAMPTZ '2024-01-01 00:05:00.000001+00', NULL, 'same cursor as the last row'),
        (28, TIMESTAMPTZ '2024-01-02 00:00:00+00', NULL, 'later'),
        (29, NULL, NULL, 'null cursor after the first run');
      UPDATE analytics.growing SET updated_at = TIMESTAMPTZ '2024-01-03 00:00:00+00', note = 'changed' WHERE id = 4;
    `);
    const second = await runInProcess(source, 'read', { config, catalog, state: first.states });
    expect(second.records.map((record) => record.data.id)).toEqual(['27', '28', '4']);
    const third = await runInProcess(source, 'read', { config, catalog, state: second.states.slice(-1) });
    expect(third.records).toEqual([]);
    expect(third.states.at(-1)!.stream!.stream_state).toEqual(second.states.at(-1)!.stream!.stream_state);
  });

  it('starts over, with a warning, when the state was saved for another cursor field', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake, { tables: ['events'] });
    const discovered = await runInProcess(source, 'discover', { config });
    const catalog = configure([findStream(discovered.catalog, 'events')], { incremental: true, cursor: 'updated_at' });
    const run = await runInProcess(source, 'read', {
      config,
      catalog,
      state: [
        streamState(catalog.streams[0]!.stream, { cursor_field: 'created_at', cursor_value: '2030-01-01T00:00:00Z' }),
      ],
    });
    expect(run.records).toHaveLength(26);
    expect(run.logs.some((log) => log.level === 'WARN' && log.message.includes('created_at'))).toBe(true);
  });

  it('refuses a cursor column BigQuery cannot order by', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake, {
      tables: [],
      models: [{ name: 'm', sql: "SELECT id, {'a': id} AS s FROM events", cursor_field: 's' }],
    });
    const discovered = await runInProcess(source, 'discover', { config });
    const run = await runInProcess(source, 'read', {
      config,
      catalog: configure([findStream(discovered.catalog, 'm')], { incremental: true }),
    });
    expect(run.errors[0]?.failure_type).toBe('config_error');
    expect(run.errors[0]?.message).toBe(
      'model "m": cursor field "s" has type RECORD, which cannot be used as a cursor',
    );
  });

  it('refuses a configured catalog that selects no column, naming the stream (as every SQL source does)', async () => {
    const { source } = sourceFor(fake);
    const config = configFor(fake, { tables: ['events'] });
    const discovered = await runInProcess(source, 'discover', { config });
    const stream = findStream(discovered.catalog, 'events');
    const catalog = configure([{ ...stream, json_schema: { type: 'object', properties: {} } }]);
    const run = await runInProcess(source, 'read', { config, catalog });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatchObject({
      failure_type: 'config_error',
      message: expect.stringMatching(/^table "analytics.events": the configured catalog selects no column/),
    });
  });
});
