import type pg from 'pg';
import Cursor from 'pg-cursor';
import { ConfigError, checkpoint, type Checkpoint, type Logger, type StreamRead } from '@backflow/protocol/connector';
import { RAW_TEXT_TYPES, connect } from './connection.js';
import { describeSelect } from './describe.js';
import { toConnectorError } from './errors.js';
import {
  incrementalPlan,
  parseCursorState,
  resumeFilter,
  type CursorState,
  type IncrementalPlan,
} from './incremental.js';
import type { Settings } from './settings.js';
import { quoteIdent } from './sql.js';
import { streamSource, type StreamSource } from './stream-source.js';
import { decoderFor, type Decoder } from './type-mapping.js';
import { resolveTypes } from './type-registry.js';

type RawRow = (string | null)[];
type Item = Record<string, unknown> | Checkpoint;

/**
 * Rows of one configured stream through a server-side cursor (`fetch_size` rows per round
 * trip, so memory stays flat whatever the table size). Incremental streams are ordered by
 * (cursor, key) and checkpointed every `checkpoint_interval` rows and at the end.
 */
export async function* readStream(settings: Settings, request: StreamRead, logger: Logger): AsyncGenerator<Item> {
  const source = streamSource(settings, request.stream.stream);
  const incremental =
    request.stream.sync_mode === 'incremental' ? incrementalPlan(request.stream, source.model) : undefined;
  const client = await connect(settings);
  let statement = '';
  try {
    const columns = selectedColumns(request.stream.stream.json_schema, incremental);
    statement = `SELECT ${columns ? columns.map(quoteIdent).join(', ') : '*'} FROM ${source.from}`;
    const fields = await describeSelect(client, statement);
    const types = await resolveTypes(
      client,
      fields.map((field) => field.typeOid),
    );
    const names = fields.map((field) => field.name);
    const decoders = fields.map((field) => decoderFor(types.get(field.typeOid)!));
    const toRecord = recordBuilder(names, decoders);
    const selectList = names.map(quoteIdent).join(', ');

    if (!incremental) {
      statement = `SELECT ${selectList} FROM ${source.from}`;
      for await (const rows of batches(client, statement, [], settings.fetchSize)) {
        for (const row of rows) yield toRecord(row);
      }
      return;
    }

    for (const column of [incremental.cursorField, ...incremental.primaryKey]) {
      if (!names.includes(column)) {
        throw new ConfigError(
          `stream "${request.stream.stream.name}" has no column "${column}" to use as cursor or key`,
        );
      }
    }
    const sqlTypeOf = (column: string) => types.get(fields[names.indexOf(column)]!.typeOid)!.sqlName;
    const state = parseCursorState(request.state, incremental, logger);
    const query = incrementalQuery(source, selectList, incremental, state, sqlTypeOf, logger);
    statement = query.sql;
    // Without a key, the query's extra last column flags where a new cursor value starts.
    const positions = {
      cursor: names.indexOf(incremental.cursorField),
      key: incremental.primaryKey.map((column) => names.indexOf(column)),
      boundary: names.length,
    };
    yield* checkpointed(
      batches(client, query.sql, query.params, settings.fetchSize),
      toRecord,
      incremental,
      positions,
      state,
      settings,
    );
  } catch (error) {
    throw toConnectorError(error, source.scope(statement));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The columns the configured stream selected, plus the cursor and key it needs; undefined for all. */
function selectedColumns(jsonSchema: Record<string, unknown>, plan: IncrementalPlan | undefined): string[] | undefined {
  const properties = jsonSchema.properties;
  if (!properties || typeof properties !== 'object' || Object.keys(properties).length === 0) return undefined;
  const columns = Object.keys(properties);
  for (const column of plan ? [plan.cursorField, ...plan.primaryKey] : []) {
    if (!columns.includes(column)) columns.push(column);
  }
  return columns;
}

function recordBuilder(names: readonly string[], decoders: readonly Decoder[]) {
  // Assigning `record["__proto__"]` would replace the prototype instead of adding a column.
  const protoColumn = names.indexOf('__proto__');
  return (row: RawRow): Record<string, unknown> => {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const raw = row[i]!;
      const value = raw === null ? null : decoders[i]!(raw);
      if (i === protoColumn)
        Object.defineProperty(record, '__proto__', { value, enumerable: true, writable: true, configurable: true });
      else record[names[i]!] = value;
    }
    return record;
  };
}

/**
 * Without a key, a checkpoint may only fall between two different cursor values: Postgres
 * says where a new value starts (equality as the column's type defines it: 1.0 = 1.00),
 * in an extra last column.
 */
function incrementalQuery(
  source: StreamSource,
  selectList: string,
  plan: IncrementalPlan,
  state: CursorState | undefined,
  sqlTypeOf: (column: string) => string,
  logger: Logger,
): { sql: string; params: string[] } {
  const { where, params } = resumeFilter(plan, state, sqlTypeOf, logger);
  const cursor = quoteIdent(plan.cursorField);
  const order = [plan.cursorField, ...plan.primaryKey].map(quoteIdent).join(', ');
  const boundary =
    plan.primaryKey.length > 0 ? '' : `, (lag(${cursor}) OVER (ORDER BY ${cursor}) IS DISTINCT FROM ${cursor})`;
  return { sql: `SELECT ${selectList}${boundary} FROM ${source.from} WHERE ${where} ORDER BY ${order}`, params };
}

async function* checkpointed(
  rowBatches: AsyncIterable<RawRow[]>,
  toRecord: (row: RawRow) => Record<string, unknown>,
  plan: IncrementalPlan,
  positions: { cursor: number; key: number[]; boundary: number },
  previous: CursorState | undefined,
  settings: Settings,
): AsyncGenerator<Item> {
  const keyed = plan.primaryKey.length > 0;
  let since = 0;
  let last: RawRow | undefined;
  const stateAt = (row: RawRow): CursorState =>
    keyed
      ? {
          cursor_field: plan.cursorField,
          cursor: row[positions.cursor]!,
          primary_key: plan.primaryKey,
          primary_key_values: positions.key.map((i) => row[i]!),
        }
      : { cursor_field: plan.cursorField, cursor: row[positions.cursor]! };

  for await (const rows of rowBatches) {
    for (const row of rows) {
      if (!keyed && last && since >= settings.checkpointInterval && row[positions.boundary] === 't') {
        yield checkpoint({ ...stateAt(last) });
        since = 0;
      }
      yield toRecord(row);
      since++;
      last = row;
      if (keyed && since >= settings.checkpointInterval) {
        yield checkpoint({ ...stateAt(row) });
        since = 0;
      }
    }
  }
  if (last) {
    if (since > 0) yield checkpoint({ ...stateAt(last) });
  } else {
    yield checkpoint({ ...(previous ?? { cursor_field: plan.cursorField, cursor: null }) });
  }
}

/** Batches of raw rows from a server-side cursor, closed when the consumer stops early. */
async function* batches(client: pg.Client, sql: string, params: string[], fetchSize: number): AsyncGenerator<RawRow[]> {
  const cursor = client.query(new Cursor<RawRow>(sql, params, { rowMode: 'array', types: RAW_TEXT_TYPES }));
  try {
    for (;;) {
      const rows = await cursor.read(fetchSize);
      if (rows.length === 0) return;
      yield rows;
    }
  } finally {
    await cursor.close().catch(() => undefined);
  }
}
