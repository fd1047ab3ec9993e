import type { TableField } from '@google-cloud/bigquery';
import type { ConfiguredAirbyteStream } from '@backflow/protocol';
import {
  checkpoint,
  CheckpointPlanner,
  ConfigError,
  resumeFrom,
  type Checkpoint,
  type JsonValue,
  type Logger,
  type StreamRead,
} from '@backflow/protocol/connector';
import { incrementalQuery, keyColumn, type KeyColumn, type Query } from './incremental.js';
import { quoteIdent } from './sql.js';
import { findSource, type StreamSource } from './streams.js';
import { rowConverter, type WireRow } from './type-mapping.js';
import type { Warehouse } from './warehouse.js';

type Row = Record<string, unknown>;

interface ReadPlan {
  readonly query: Query;
  /** The selected columns that go into records (the others only order the read). */
  readonly emitted: ReadonlySet<string>;
  readonly planner: CheckpointPlanner | undefined;
  readonly cursor: string | undefined;
  readonly key: readonly string[];
}

/**
 * Rows of one configured stream from a query job, one page at a time. Incremental reads are
 * ordered by (cursor, key) and interleaved with checkpoints.
 */
export async function* readStream(
  warehouse: Warehouse,
  request: StreamRead,
  logger: Logger,
): AsyncGenerator<Row | Checkpoint> {
  const { stream } = request.stream;
  const source = await findSource(warehouse, stream.name, stream.namespace);
  const plan = planRead(source, request, warehouse.settings.checkpointInterval, (message) => logger.warn(message));
  let convert: ((row: WireRow) => Row) | undefined;
  for await (const page of warehouse.query(plan.query.sql, source.subject, plan.query.parameters)) {
    convert ??= rowConverter(page.fields);
    for (const raw of page.rows) {
      const converted = convert(raw);
      const row = pick(converted, plan.emitted);
      if (!plan.planner) {
        yield row;
        continue;
      }
      const position = {
        cursor: converted[plan.cursor!] as JsonValue,
        key: plan.key.map((name) => converted[name] as JsonValue),
      };
      const before = plan.planner.before(position);
      if (before) yield checkpoint(before);
      yield row;
      const after = plan.planner.after(position);
      if (after) yield checkpoint(after);
    }
  }
  const final = plan.planner?.final();
  if (final) yield checkpoint(final);
}

function pick(row: Row, columns: ReadonlySet<string>): Row {
  if (Object.keys(row).length === columns.size) return row;
  const picked: Row = {};
  for (const name of columns) picked[name] = row[name];
  return picked;
}

function planRead(
  source: StreamSource,
  request: StreamRead,
  interval: number,
  warn: (message: string) => void,
): ReadPlan {
  const byName = new Map(source.fields.map((field) => [field.name!, field]));
  const emitted = selectedColumns(request.stream, source);
  if (request.stream.sync_mode !== 'incremental') {
    const select = [...emitted].map(quoteIdent).join(', ');
    return {
      query: { sql: `SELECT ${select} FROM ${source.relation} AS src`, parameters: [] },
      emitted,
      planner: undefined,
      cursor: undefined,
      key: [],
    };
  }
  const cursorName = cursorFieldOf(request.stream, source);
  const cursorField = byName.get(cursorName);
  if (!cursorField) throw new ConfigError(`${source.subject}: cursor field "${cursorName}" is not one of its columns`);
  const cursor = keyColumn(cursorField);
  if (!cursor) {
    throw new ConfigError(
      `${source.subject}: cursor field "${cursorName}" has type ${typeName(cursorField)}, which cannot be used as a cursor`,
    );
  }
  const keyNames = primaryKeyOf(request.stream, source).filter((name) => name !== cursorName);
  const keyColumns = keyNames.map((name) => {
    const field = byName.get(name);
    return field && keyColumn(field);
  });
  // A key BigQuery cannot order by is not used: checkpoints then fall between cursor values.
  const key =
    keyColumns.length > 0 && keyColumns.every((column) => column !== undefined)
      ? (keyColumns as KeyColumn[])
      : undefined;
  if (keyNames.length > 0 && !key) {
    warn(
      `${source.subject}: primary key ${JSON.stringify(keyNames)} cannot order the read; checkpointing between cursor values only`,
    );
  }
  const keyList = key?.map((column) => column.name) ?? [];
  const resume = resumeFrom(request.state, cursorName, keyList, warn);
  const select = [...new Set([...emitted, cursorName, ...keyList])];
  return {
    query: incrementalQuery(source.relation, select, cursor, key ?? [], resume),
    emitted,
    planner: new CheckpointPlanner(cursorName, key ? keyList : undefined, interval, request.state),
    cursor: cursorName,
    key: keyList,
  };
}

function typeName(field: TableField): string {
  return field.mode === 'REPEATED' ? `ARRAY<${field.type}>` : String(field.type);
}

/** The columns the configured catalog keeps (all when its schema lists no properties). */
function selectedColumns(stream: ConfiguredAirbyteStream, source: StreamSource): Set<string> {
  const names = source.fields.map((field) => field.name!);
  const properties = (stream.stream.json_schema as { properties?: Record<string, unknown> }).properties;
  if (!properties || Object.keys(properties).length === 0) return new Set(names);
  const available = new Set(names);
  const missing = Object.keys(properties).filter((name) => !available.has(name));
  if (missing.length > 0) {
    throw new ConfigError(
      `${source.subject}: columns ${missing.map((m) => `"${m}"`).join(', ')} are in the catalog but no longer in the ${source.kind}; run discover again`,
    );
  }
  return new Set(names.filter((name) => name in properties));
}

function cursorFieldOf(stream: ConfiguredAirbyteStream, source: StreamSource): string {
  const configured = stream.cursor_field ?? [];
  if (source.cursorField !== undefined && (stream.stream.source_defined_cursor || configured.length === 0))
    return source.cursorField;
  if (configured.length === 0)
    throw new ConfigError(`${source.subject}: incremental sync needs a cursor_field in the configured catalog`);
  if (configured.length > 1)
    throw new ConfigError(`${source.subject}: nested cursor fields are not supported (${configured.join('.')})`);
  return configured[0]!;
}

function primaryKeyOf(stream: ConfiguredAirbyteStream, source: StreamSource): string[] {
  const configured = stream.primary_key ?? [];
  if (configured.length === 0) return [...source.primaryKey];
  return configured.map((path) => {
    if (path.length !== 1)
      throw new ConfigError(`${source.subject}: nested primary key fields are not supported (${path.join('.')})`);
    return path[0]!;
  });
}
