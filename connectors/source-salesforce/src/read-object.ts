import type { AirbyteStateBlob } from '@backflow/protocol';
import {
  checkpoint,
  InternalError,
  resumeFrom,
  type Checkpoint,
  type CursorState,
  type JsonValue,
  type Logger,
} from '@backflow/protocol/connector';
import { waitForJob, type JobPolling } from '@backflow/salesforce-common';
import type { SalesforceReader } from './salesforce-reader.js';
import { CURSOR, ID, valueOf, type DescribedField } from './stream-schema.js';

export interface ReadOptions {
  readonly object: string;
  /** The fields selected; `Id` and `SystemModstamp` among them. */
  readonly fields: readonly DescribedField[];
  /** Checkpoints (and resumes from `state`) only when incremental. */
  readonly incremental: boolean;
  /**
   * Reads the recycle bin too (`queryAll`); only incremental reads do. Deleted records are
   * reported as soft deletes (`IsDeleted: true`), not as protocol deletes: the runner applies
   * deletes only under `mirror`, which needs full refresh (and there a record gone from the
   * read is deleted downstream anyway).
   */
  readonly includeDeleted: boolean;
  readonly state: AirbyteStateBlob | undefined;
  /** Above this many selected records the read goes through a Bulk API 2.0 query job. */
  readonly bulkThreshold: number;
  readonly bulkPageRecords: number;
  readonly polling: JobPolling;
  readonly logger: Logger;
}

type Row = Record<string, unknown>;

/**
 * Reads one sObject. Incremental reads select the records changed after the saved position,
 * ordered by (SystemModstamp, Id), with a checkpoint after each REST page at the last
 * record's (SystemModstamp, Id): records sharing a SystemModstamp are never lost or read twice
 * across a resume, because Salesforce itself compares the Id on the way back in. A query that
 * selects more than `bulkThreshold` records is read through a Bulk API 2.0 query job instead,
 * unordered (ORDER BY would turn off Salesforce's PK chunking), and checkpointed once at its
 * end.
 */
export async function* readObject(reader: SalesforceReader, options: ReadOptions): AsyncGenerator<Row | Checkpoint> {
  const resume = options.incremental
    ? resumeFrom(options.state, CURSOR, [ID], (message) => options.logger.warn('%s: %s', options.object, message))
    : { kind: 'start' as const };
  const all = options.incremental && options.includeDeleted;
  const select = `SELECT ${options.fields.map((f) => f.name).join(', ')} FROM ${options.object}`;
  const where = whereOf(resume);
  const ordered = `${select}${where ? ` WHERE ${where}` : ''} ORDER BY ${CURSOR} ASC, ${ID} ASC`;
  const rowOf = rowMaker(options.fields);
  let page = await reader.query(ordered, all);
  if (page.totalSize > options.bulkThreshold) {
    options.logger.info(
      '%s: %d records to read, above bulk_threshold (%d): reading through a Bulk API 2.0 query job',
      options.object,
      page.totalSize,
      options.bulkThreshold,
    );
    yield* readBulk(reader, `${select}${where ? ` WHERE ${where}` : ''}`, all, rowOf, options);
    return;
  }
  let last: Row | undefined;
  for (;;) {
    for (const record of page.records) {
      last = rowOf(record);
      yield last;
    }
    if (options.incremental && last && page.records.length > 0) yield checkpoint(positionOf(last));
    if (!page.nextRecordsUrl) break;
    page = await reader.next(page.nextRecordsUrl);
  }
  // Nothing new: the saved position still holds, and the run says so.
  if (options.incremental && !last && options.state && Object.keys(options.state).length > 0)
    yield checkpoint({ ...options.state });
}

async function* readBulk(
  reader: SalesforceReader,
  soql: string,
  all: boolean,
  rowOf: (record: Row) => Row,
  options: ReadOptions,
): AsyncGenerator<Row | Checkpoint> {
  const id = await reader.createQueryJob(soql, all);
  const info = await waitForJob(id, () => reader.queryJob(id), options.polling);
  if (info.state !== 'JobComplete')
    throw new InternalError(
      `Bulk 2.0 query job ${id} for ${options.object} ended ${info.state}: ${info.errorMessage ?? 'no reason given'}`,
    );
  let newest: string | undefined;
  let locator: string | undefined;
  do {
    const page = await reader.results(id, locator, options.bulkPageRecords);
    for (const record of page.rows) {
      const row = rowOf(record);
      const stamp = row[CURSOR] as string;
      if (newest === undefined || stamp > newest) newest = stamp;
      yield row;
    }
    locator = page.locator;
  } while (locator !== undefined);
  // Every record up to the newest SystemModstamp the job saw was read: resume strictly after it.
  if (options.incremental && newest !== undefined) yield checkpoint({ cursor_field: CURSOR, cursor_value: newest });
  else if (options.incremental && options.state && Object.keys(options.state).length > 0)
    yield checkpoint({ ...options.state });
}

function whereOf(resume: ReturnType<typeof resumeFrom>): string | undefined {
  switch (resume.kind) {
    case 'start':
    case 'non-null-cursor':
      return undefined;
    case 'after-cursor':
      return `${CURSOR} > ${datetime(resume.cursor)}`;
    case 'from-cursor':
      return `${CURSOR} >= ${datetime(resume.cursor)}`;
    case 'after-key': {
      const at = datetime(resume.cursor);
      return `(${CURSOR} > ${at} OR (${CURSOR} = ${at} AND ${ID} > ${quoted(resume.key[0] ?? null)}))`;
    }
  }
}

/** A SOQL datetime literal (unquoted ISO 8601); a state that holds anything else is refused. */
function datetime(value: JsonValue): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
    throw new InternalError(`the saved state's ${CURSOR} is not a datetime: ${JSON.stringify(value)}`);
  return new Date(value).toISOString();
}

function quoted(value: JsonValue): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9]{15,18}$/.test(value))
    throw new InternalError(`the saved state's ${ID} is not a Salesforce id: ${JSON.stringify(value)}`);
  return `'${value}'`;
}

function positionOf(row: Row): CursorState {
  return {
    cursor_field: CURSOR,
    cursor_value: row[CURSOR] as string,
    primary_key: [ID],
    primary_key_values: [row[ID] as string],
  };
}

/** Turns a REST record or a Bulk CSV row into the stream's row. */
function rowMaker(fields: readonly DescribedField[]): (record: Row) => Row {
  return (record) => Object.fromEntries(fields.map((field) => [field.name, valueOf(field, record[field.name])]));
}
