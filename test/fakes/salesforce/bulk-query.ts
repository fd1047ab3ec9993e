import { randomBytes } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { RestError } from './errors.js';
import type { QueryEngine } from './query.js';
import type { FieldValue } from './store.js';

type QueryState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted';

interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  createdDate: string;
  state: QueryState;
  polls: number;
  columns: string[];
  rows: Record<string, FieldValue>[];
}

/** Most records one results page holds when the client gives no `maxRecords`. */
export const DEFAULT_RESULTS_PAGE = 50_000;

/**
 * Bulk API 2.0 query jobs: create (`UploadComplete`) → `InProgress` → `JobComplete`,
 * advancing one state per job-info poll so clients must poll; then the results as CSV
 * pages: at most `maxRecords` rows each, the next page named by the `Sforce-Locator` header
 * (`null` on the last). The query runs when the job is created (a snapshot); SOQL the Bulk
 * API refuses (aggregates such as COUNT()) answers 400 as the REST query would.
 */
export class BulkQuery {
  private readonly jobs = new Map<string, QueryJob>();
  /** Every job ever created, for tests. */
  readonly created: { id: string; operation: string; query: string }[] = [];

  constructor(
    private readonly query: QueryEngine,
    private readonly now: () => number,
    private readonly version: () => string,
    private readonly pollsInProgress: number,
  ) {}

  create(body: unknown): unknown {
    const { operation, query } = (body ?? {}) as { operation?: unknown; query?: unknown };
    if (operation !== 'query' && operation !== 'queryAll')
      throw new RestError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(operation)}`);
    if (typeof query !== 'string' || query.trim() === '')
      throw new RestError(400, 'INVALIDJOB', 'InvalidJob : query is required');
    if (/\bCOUNT\s*\(/i.test(query) || /\b(GROUP\s+BY|OFFSET|TYPEOF)\b/i.test(query))
      throw new RestError(
        400,
        'INVALIDJOB',
        'InvalidJob : Bulk API 2.0 does not support aggregates, GROUP BY, OFFSET or TYPEOF',
      );
    const result = this.query.select(query, operation === 'queryAll');
    const id = `750${randomBytes(6).toString('hex')}`;
    const job: QueryJob = {
      id,
      operation,
      object: result.object,
      createdDate: new Date(this.now()).toISOString().replace('Z', '+0000'),
      state: 'UploadComplete',
      polls: 0,
      columns: result.fields,
      rows: result.rows,
    };
    this.jobs.set(id, job);
    this.created.push({ id, operation, query });
    return this.info(job);
  }

  poll(id: string): unknown {
    const job = this.job(id);
    if (job.state === 'UploadComplete') job.state = 'InProgress';
    else if (job.state === 'InProgress' && ++job.polls >= this.pollsInProgress) job.state = 'JobComplete';
    return this.info(job);
  }

  abort(id: string, body: unknown): unknown {
    const job = this.job(id);
    if ((body as { state?: unknown } | undefined)?.state !== 'Aborted' || job.state === 'JobComplete')
      throw new RestError(400, 'INVALIDJOBSTATE', `Cannot change the state of a job from ${job.state}`);
    job.state = 'Aborted';
    return this.info(job);
  }

  delete(id: string): void {
    this.job(id);
    this.jobs.delete(id);
  }

  /** One page of results: rows from `locator` on (the first page without one), at most `maxRecords`. */
  results(
    id: string,
    locator: string | null,
    maxRecords: string | null,
    version: string,
  ): { csv: string; locator: string; records: number } {
    const job = this.job(id);
    if (version !== this.version())
      throw new RestError(409, 'INVALIDJOBSTATE', 'Results must be read with the API version the job was created with');
    if (job.state !== 'JobComplete')
      throw new RestError(400, 'INVALIDJOBSTATE', `Job ${id} is not complete (state ${job.state})`);
    const size = maxRecords === null ? DEFAULT_RESULTS_PAGE : Number(maxRecords);
    if (!Number.isInteger(size) || size < 1)
      throw new RestError(400, 'INVALIDREQUEST', `maxRecords must be a positive integer: ${maxRecords}`);
    const start = locator === null ? 0 : Number(Buffer.from(locator, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0 || start > job.rows.length)
      throw new RestError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
    const page = job.rows.slice(start, start + size);
    const next = start + page.length;
    return {
      csv: stringify([job.columns, ...page.map((row) => job.columns.map((c) => csvValue(row[c] ?? null)))], {
        quoted: true,
        record_delimiter: '\n',
      }),
      locator: next < job.rows.length ? Buffer.from(String(next)).toString('base64url') : 'null',
      records: page.length,
    };
  }

  private job(id: string): QueryJob {
    const job = this.jobs.get(id);
    if (!job) throw new RestError(404, 'NOT_FOUND', `Job ${id} does not exist`);
    return job;
  }

  private info(job: QueryJob): unknown {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: '0055g00000AAAAAAAA',
      createdDate: job.createdDate,
      systemModstamp: job.createdDate,
      state: job.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(this.version()),
      jobType: 'V2Query',
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
      ...(job.state === 'JobComplete' ? { numberRecordsProcessed: job.rows.length } : {}),
    };
  }
}

/** A value as Bulk query CSV writes it: empty for null, datetimes in UTC with `Z`. */
function csvValue(value: FieldValue): string {
  if (value === null) return '';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T.*\+0000$/.test(value)) return value.replace('+0000', 'Z');
  return String(value);
}
