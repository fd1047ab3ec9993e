import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { RestError } from './errors.js';
import { TypeProblem, type Operations, type SaveResult } from './operations.js';

/** Largest CSV upload Bulk 2.0 accepts in one request (150 MB). */
export const MAX_UPLOAD_BYTES = 150_000_000;

export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
const OPERATIONS = ['insert', 'update', 'upsert', 'delete', 'hardDelete'] as const;
type IngestOperation = (typeof OPERATIONS)[number];

/** One ingest job and what became of its rows. */
export interface IngestJob {
  id: string;
  object: string;
  operation: IngestOperation;
  externalIdFieldName: string | undefined;
  lineEnding: 'LF' | 'CRLF';
  state: JobState;
  createdDate: string;
  systemModstamp: string;
  errorMessage?: string;
  csv?: string;
  /** GETs of the job seen since it was closed: it moves one state per poll, so clients must poll. */
  polls: number;
  successful: Record<string, string>[];
  failed: Record<string, string>[];
  unprocessed: Record<string, string>[];
  header: string[];
}

/**
 * Bulk API 2.0 ingest jobs: create (Open) → upload one CSV → close (UploadComplete) →
 * InProgress → JobComplete or Failed, advancing one state per job-info poll after the close,
 * then the result CSVs. CSV follows Salesforce's rules: the job's `lineEnding` must be the
 * one the data uses, a header row names fields, an empty value leaves a field unchanged and
 * `#N/A` sets it to null.
 */
export class BulkIngest {
  readonly jobs = new Map<string, IngestJob>();

  constructor(
    private readonly ops: Operations,
    private readonly now: () => number,
    private readonly version: () => string,
    private readonly pollsInProgress: number,
  ) {}

  create(body: unknown): unknown {
    const request = (body ?? {}) as Record<string, unknown>;
    const object = String(request['object'] ?? '');
    if (!this.ops.objects.has(object))
      throw new RestError(404, 'NOT_FOUND', `sObject type '${object}' is not supported`);
    const operation = request['operation'] as IngestOperation;
    if (!OPERATIONS.includes(operation))
      throw new RestError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(operation)}`);
    if (operation === 'upsert' && typeof request['externalIdFieldName'] !== 'string')
      throw new RestError(
        400,
        'INVALIDJOB',
        `InvalidJob : External ID was blank for ${object}. An External ID must be specified for upsert.`,
      );
    if ((request['contentType'] ?? 'CSV') !== 'CSV' || (request['columnDelimiter'] ?? 'COMMA') !== 'COMMA')
      throw new RestError(400, 'INVALIDJOB', 'InvalidJob : the fake supports contentType CSV with COMMA delimiters');
    const lineEnding = (request['lineEnding'] ?? 'LF') as IngestJob['lineEnding'];
    if (lineEnding !== 'LF' && lineEnding !== 'CRLF')
      throw new RestError(400, 'INVALIDJOB', `InvalidJob : Invalid lineEnding: ${String(lineEnding)}`);
    const at = this.stamp();
    const job: IngestJob = {
      id: `750${randomBytes(6).toString('hex').toUpperCase().slice(0, 12)}`,
      object,
      operation,
      externalIdFieldName: request['externalIdFieldName'] as string | undefined,
      lineEnding,
      state: 'Open',
      createdDate: at,
      systemModstamp: at,
      polls: 0,
      successful: [],
      failed: [],
      unprocessed: [],
      header: [],
    };
    this.jobs.set(job.id, job);
    return this.info(job);
  }

  upload(id: string, csv: string, contentType: string | undefined): void {
    const job = this.job(id);
    if (!(contentType ?? '').startsWith('text/csv'))
      throw new RestError(400, 'INVALIDJOB', 'InvalidJob : Content-Type must be text/csv');
    if (job.state !== 'Open' || job.csv !== undefined)
      throw new RestError(409, 'INVALIDJOBSTATE', 'Job is not in the Open state or its data was already uploaded');
    if (Buffer.byteLength(csv) > MAX_UPLOAD_BYTES)
      throw new RestError(400, 'INVALIDJOB', 'InvalidJob : data exceeds 150 MB per upload');
    job.csv = csv;
  }

  patch(id: string, body: unknown): unknown {
    const job = this.job(id);
    const state = (body as { state?: unknown } | undefined)?.state;
    if (state === 'Aborted' && !['JobComplete', 'Failed', 'Aborted'].includes(job.state)) {
      job.state = 'Aborted';
    } else if (state === 'UploadComplete' && job.state === 'Open') {
      job.state = 'UploadComplete';
      job.polls = 0;
      if (job.csv === undefined) this.fail(job, 'InvalidBatch : No data uploaded for this job');
    } else {
      throw new RestError(
        409,
        'INVALIDJOBSTATE',
        `Cannot change the state of a job from ${job.state} to ${String(state)}`,
      );
    }
    job.systemModstamp = this.stamp();
    return this.info(job);
  }

  /** Job info; the first poll after the close finds it InProgress, which lasts `pollsInProgress` polls; the last processes its rows. */
  poll(id: string): unknown {
    const job = this.job(id);
    if (job.state === 'UploadComplete') job.state = 'InProgress';
    else if (job.state === 'InProgress' && ++job.polls >= this.pollsInProgress) this.process(job);
    return this.info(job);
  }

  results(id: string, kind: string): string {
    const job = this.job(id);
    if (!['JobComplete', 'Failed', 'Aborted'].includes(job.state))
      throw new RestError(409, 'INVALIDJOBSTATE', 'Results are available once the job has finished');
    const op = job.operation === 'delete' || job.operation === 'hardDelete';
    if (kind === 'successfulResults') return toCsv(['sf__Id', 'sf__Created', ...job.header], job.successful);
    if (kind === 'failedResults') return toCsv(['sf__Id', 'sf__Error', ...job.header], job.failed);
    if (kind === 'unprocessedrecords') return toCsv(op ? ['Id'] : job.header, job.unprocessed);
    throw new RestError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  delete(id: string): void {
    const job = this.job(id);
    if (!['JobComplete', 'Failed', 'Aborted'].includes(job.state))
      throw new RestError(409, 'INVALIDJOBSTATE', 'Only finished jobs can be deleted');
    this.jobs.delete(id);
  }

  private process(job: IngestJob): void {
    const csv = job.csv ?? '';
    const bareLf = /(^|[^\r])\n/.test(csv);
    const crlf = csv.includes('\r\n');
    if ((job.lineEnding === 'LF' && crlf) || (job.lineEnding === 'CRLF' && bareLf)) {
      this.fail(
        job,
        `ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is ${job.lineEnding}`,
      );
      return;
    }
    let rows: string[][];
    try {
      rows = parse(csv, {
        relax_column_count: false,
        record_delimiter: job.lineEnding === 'LF' ? '\n' : '\r\n',
      }) as string[][];
    } catch (error) {
      this.fail(job, `ClientInputError : ${(error as Error).message}`);
      return;
    }
    const [header = [], ...data] = rows;
    job.header = header;
    const object = this.ops.object(job.object);
    const unknown = header.find((name) => !object.fields.some((f) => f.name.toLowerCase() === name.toLowerCase()));
    if (unknown !== undefined) {
      this.fail(job, `InvalidBatch : Field name not found : ${unknown}`);
      return;
    }
    for (const row of data) {
      const values = Object.fromEntries(header.map((name, i) => [name, row[i]!]));
      const result = this.apply(job, values);
      if (result.success)
        job.successful.push({
          sf__Id: result.id!,
          sf__Created: String(result.created ?? job.operation === 'insert'),
          ...values,
        });
      else job.failed.push({ sf__Id: '', sf__Error: errorText(result), ...values });
    }
    job.state = 'JobComplete';
    job.systemModstamp = this.stamp();
  }

  private apply(job: IngestJob, values: Record<string, string>): SaveResult {
    const idOf = (row: Record<string, string>) => Object.entries(row).find(([k]) => k.toLowerCase() === 'id')?.[1];
    try {
      switch (job.operation) {
        case 'insert':
          return this.ops.create(job.object, values, 'csv');
        case 'update': {
          const { Id: _id, id: _lower, ...rest } = values;
          return this.ops.update(job.object, idOf(values), rest, 'csv');
        }
        case 'upsert':
          return this.ops.upsert(job.object, job.externalIdFieldName!, values, 'csv');
        default:
          return this.ops.delete(idOf(values));
      }
    } catch (error) {
      if (error instanceof TypeProblem)
        return {
          id: null,
          success: false,
          errors: [
            {
              statusCode: 'INVALID_FIELD',
              message: `Failed to deserialize field. Due to, ${error.message}`,
              fields: [error.field],
            },
          ],
        };
      if (error instanceof RestError)
        return {
          id: null,
          success: false,
          errors: [{ statusCode: error.errorCode, message: error.message, fields: [] }],
        };
      throw error;
    }
  }

  private fail(job: IngestJob, message: string): void {
    job.state = 'Failed';
    job.errorMessage = message;
    const csv = job.csv ?? '';
    try {
      const [header = [], ...data] = parse(csv, { relax_column_count: true }) as string[][];
      job.header = header;
      job.unprocessed = data.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
    } catch {
      job.unprocessed = [];
    }
  }

  private job(id: string): IngestJob {
    const job = this.jobs.get(id);
    if (!job) throw new RestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return job;
  }

  private stamp(): string {
    return new Date(this.now()).toISOString().replace('Z', '+0000');
  }

  private info(job: IngestJob): unknown {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: '0055g00000AAAAAAAA',
      createdDate: job.createdDate,
      systemModstamp: job.systemModstamp,
      state: job.state,
      ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(this.version()),
      jobType: 'V2Ingest',
      lineEnding: job.lineEnding,
      columnDelimiter: 'COMMA',
      numberRecordsProcessed: job.successful.length + job.failed.length,
      numberRecordsFailed: job.failed.length,
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
      contentUrl: `services/data/v${this.version()}/jobs/ingest/${job.id}/batches`,
    };
  }
}

/** `sf__Error` as Salesforce writes it: `STATUS_CODE:message:fields --`, or `STATUS_CODE:message:--` naming no field. */
function errorText(result: SaveResult): string {
  return result.errors
    .map((e) => `${e.statusCode}:${e.message}:${e.fields.join(',')}${e.fields.length > 0 ? ' ' : ''}--`)
    .join(' ');
}

function toCsv(columns: string[], rows: Record<string, string>[]): string {
  return stringify([columns, ...rows.map((row) => columns.map((c) => row[c] ?? ''))], {
    quoted: true,
    record_delimiter: '\n',
  });
}
