import { createHash, randomUUID } from 'node:crypto';
import type { DuckDBType } from '@duckdb/node-api';
import type { Principal } from './auth.js';
import type { Engine, QueryOutcome } from './engine.js';
import { unsupportedResultType } from './duckdb-errors.js';
import { GoogleApiError, QueryError, invalid, notFound } from './errors.js';
import { takePage } from './paging.js';
import type { PageRequest } from './paging.js';
import type { QueryParameter } from './query-params.js';
import { UnsupportedTypeError, fieldSchema } from './schema.js';
import type { TableFieldSchema } from './schema.js';
import { rewriteSql } from './sql-rewrite.js';
import { rowsOf, timestampFormat } from './wire-values.js';
import type { Row, TimestampFormat } from './wire-values.js';

/** The query settings the fake honours, from JobConfigurationQuery or QueryRequest. */
interface QuerySettings {
  query?: string;
  useLegacySql?: boolean;
  defaultDataset?: { datasetId?: string; projectId?: string };
  queryParameters?: QueryParameter[];
  parameterMode?: string;
}

interface JobRecord {
  projectId: string;
  jobId: string;
  location: string;
  email: string;
  configuration: Record<string, unknown>;
  creationTime: number;
  endTime: number;
  outcome?: QueryOutcome;
  schema?: TableFieldSchema[];
  error?: QueryError;
  /** Status reads still to answer RUNNING before the job shows as DONE. */
  runningPolls: number;
}

/** Limits and clocks the job store runs with. */
export interface JobStoreOptions {
  location: string;
  /** Status reads (jobs.get, jobs.query, getQueryResults) that see a new job RUNNING. */
  runningPolls: number;
  maxResponseBytes: number;
  now: () => number;
  baseUrl: () => string;
}

const JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;

function etag(value: unknown): string {
  return createHash('md5').update(JSON.stringify(value)).digest('base64');
}

function bytesOf(outcome: QueryOutcome | undefined): string {
  return String((outcome?.rows.length ?? 0) * Math.max(1, outcome?.columnNames.length ?? 0) * 8);
}

/** Query jobs: created by jobs.insert or jobs.query, run once in DuckDB, then paged over. */
export class JobStore {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly requestIds = new Map<string, string>();
  private readonly engine: Engine;
  private readonly options: JobStoreOptions;

  constructor(engine: Engine, options: JobStoreOptions) {
    this.engine = engine;
    this.options = options;
  }

  /** jobs.insert */
  async insert(
    projectId: string,
    body: Record<string, unknown>,
    principal: Principal,
  ): Promise<Record<string, unknown>> {
    const configuration = (body.configuration ?? {}) as Record<string, unknown>;
    const query = configuration.query as QuerySettings | undefined;
    if (!query) {
      throw new GoogleApiError(501, 'notImplemented', 'The BigQuery fake runs query jobs only (configuration.query).');
    }
    const reference = (body.jobReference ?? {}) as { jobId?: string; projectId?: string; location?: string };
    const jobId = reference.jobId ?? `job_${randomUUID().replaceAll('-', '_')}`;
    if (!JOB_ID.test(jobId)) {
      throw invalid(
        `Invalid job ID "${jobId}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`,
      );
    }
    const location = reference.location ?? this.options.location;
    if (configuration.dryRun === true) return this.dryRun(projectId, location, query, configuration, principal);
    if (this.jobs.has(this.key(projectId, jobId))) {
      throw new GoogleApiError(409, 'duplicate', `Already Exists: Job ${projectId}:${location}.${jobId}`);
    }
    const job = await this.run(projectId, jobId, location, query, configuration, principal);
    return this.resource(job, { countPoll: false });
  }

  /** jobs.get */
  get(projectId: string, jobId: string, location: string | undefined): Record<string, unknown> {
    return this.resource(this.find(projectId, jobId, location), { countPoll: true });
  }

  /** jobs.cancel: every fake job has already run, so this only reports it. */
  cancel(projectId: string, jobId: string, location: string | undefined): Record<string, unknown> {
    const job = this.find(projectId, jobId, location);
    return { kind: 'bigquery#jobCancelResponse', job: this.resource(job, { countPoll: false }) };
  }

  /** jobs.query */
  async query(
    projectId: string,
    body: Record<string, unknown>,
    principal: Principal,
  ): Promise<Record<string, unknown>> {
    const settings = body as QuerySettings;
    const location = typeof body.location === 'string' ? body.location : this.options.location;
    if (body.dryRun === true) {
      const planned = await this.dryRun(
        projectId,
        location,
        settings,
        { query: this.queryConfiguration(settings) },
        principal,
      );
      const statistics = planned.statistics as { query: { schema?: unknown; totalBytesProcessed: string } };
      return {
        kind: 'bigquery#queryResponse',
        ...(statistics.query.schema ? { schema: statistics.query.schema } : {}),
        jobComplete: true,
        cacheHit: false,
        totalBytesProcessed: statistics.query.totalBytesProcessed,
        location,
      };
    }
    const requestId = typeof body.requestId === 'string' ? body.requestId : undefined;
    // A retried request with the same requestId gets the job the first one created.
    const earlier = requestId ? this.requestIds.get(`${projectId}/${requestId}`) : undefined;
    const job =
      (earlier ? this.jobs.get(this.key(projectId, earlier)) : undefined) ??
      (await this.run(
        projectId,
        `job_${randomUUID().replaceAll('-', '_')}`,
        location,
        settings,
        { query: this.queryConfiguration(settings) },
        principal,
      ));
    if (requestId) this.requestIds.set(`${projectId}/${requestId}`, job.jobId);
    const format = timestampFormat((body.formatOptions ?? {}) as Record<string, unknown>);
    const page: PageRequest = typeof body.maxResults === 'number' ? { maxResults: body.maxResults } : {};
    const { jobReference, ...results } = this.results(job, page, format);
    // With JOB_CREATION_OPTIONAL, BigQuery names no job when the first page holds the whole
    // result (the client then reads nothing more), and says why it made one otherwise.
    const optional = body.jobCreationMode === 'JOB_CREATION_OPTIONAL';
    const stateless = optional && results.jobComplete && !results.pageToken;
    return {
      kind: 'bigquery#queryResponse',
      ...(stateless
        ? { queryId: job.jobId }
        : {
            jobReference,
            ...(optional
              ? { jobCreationReason: { code: results.jobComplete ? 'LARGE_RESULTS' : 'LONG_RUNNING' } }
              : {}),
          }),
      ...results,
      creationTime: String(job.creationTime),
      ...(results.jobComplete ? { startTime: String(job.creationTime), endTime: String(job.endTime) } : {}),
      location: job.location,
      ...(job.outcome && results.jobComplete ? { statementType: job.outcome.statementType } : {}),
    };
  }

  /** jobs.getQueryResults */
  getQueryResults(projectId: string, jobId: string, query: URLSearchParams): Record<string, unknown> {
    const job = this.find(projectId, jobId, query.get('location') ?? undefined);
    const number = (name: string): number | undefined => (query.has(name) ? Number(query.get(name)) : undefined);
    const page: PageRequest = {
      maxResults: number('maxResults'),
      startIndex: number('startIndex'),
      pageToken: query.get('pageToken') ?? undefined,
    };
    const format = timestampFormat({
      timestampOutputFormat: query.get('formatOptions.timestampOutputFormat') ?? undefined,
      useInt64Timestamp: query.get('formatOptions.useInt64Timestamp') ?? undefined,
    });
    return { kind: 'bigquery#getQueryResultsResponse', etag: etag([jobId, page]), ...this.results(job, page, format) };
  }

  private results(
    job: JobRecord,
    page: PageRequest,
    format: TimestampFormat,
  ): Record<string, unknown> & { jobComplete: boolean } {
    const jobReference = { projectId: job.projectId, jobId: job.jobId, location: job.location };
    if (!this.poll(job)) return { jobReference, jobComplete: false };
    if (job.error) throw job.error.asHttpError();
    const outcome = job.outcome as QueryOutcome;
    const common = { jobReference, jobComplete: true, cacheHit: false, totalBytesProcessed: bytesOf(outcome) };
    if (outcome.affectedRows !== undefined) {
      return { ...common, numDmlAffectedRows: String(outcome.affectedRows) };
    }
    if (outcome.columnNames.length === 0) return common;
    const scope = `${job.projectId}:${job.jobId}`;
    const slice = takePage(
      scope,
      outcome.rows.length,
      page,
      (index) => rowsOf([outcome.rows[index] ?? []], outcome.columnNames, outcome.columnTypes, format)[0] as Row,
      { maxBytes: this.options.maxResponseBytes },
    );
    return {
      ...common,
      schema: { fields: job.schema },
      totalRows: String(outcome.rows.length),
      ...(slice.items.length > 0 ? { rows: slice.items } : {}),
      ...(slice.nextPageToken ? { pageToken: slice.nextPageToken } : {}),
    };
  }

  private async run(
    projectId: string,
    jobId: string,
    location: string,
    settings: QuerySettings,
    configuration: Record<string, unknown>,
    principal: Principal,
  ): Promise<JobRecord> {
    const sql = this.sqlOf(settings);
    const creationTime = this.options.now();
    const job: JobRecord = {
      projectId,
      jobId,
      location,
      email: principal.email,
      configuration: {
        ...configuration,
        query: this.queryConfiguration(settings, configuration.query as QuerySettings | undefined),
      },
      creationTime,
      endTime: creationTime,
      runningPolls: this.options.runningPolls,
    };
    try {
      const outcome = await this.engine.execute(sql(), settings.defaultDataset?.datasetId);
      job.schema = outcome.columnNames.map((name, index) =>
        fieldSchema(name, outcome.columnTypes[index] as DuckDBType),
      );
      // Writes every row once, so a value BigQuery cannot return (a NULL array element)
      // fails the job, not a later page.
      rowsOf(outcome.rows, outcome.columnNames, outcome.columnTypes, 'INT64');
      job.outcome = outcome;
    } catch (error) {
      if (error instanceof UnsupportedTypeError) job.error = unsupportedResultType(error);
      else if (error instanceof QueryError) job.error = error;
      else throw error;
    }
    job.endTime = this.options.now();
    this.jobs.set(this.key(projectId, jobId), job);
    return job;
  }

  // Checks what every query needs, and returns how to turn it into DuckDB SQL (which can
  // itself fail as the query would: an unknown parameter, an unclosed string).
  private sqlOf(settings: QuerySettings): () => string {
    const query = settings.query;
    if (typeof query !== 'string' || query.trim() === '') {
      throw new GoogleApiError(400, 'invalid', 'Required parameter is missing: query', {
        location: 'query',
        locationType: 'other',
      });
    }
    if (settings.useLegacySql !== false) {
      // The REST default is legacy SQL; the Node client always sends useLegacySql: false.
      throw invalid(
        'The BigQuery fake runs GoogleSQL only: set useLegacySql to false (the REST default is legacy SQL).',
      );
    }
    return () => rewriteSql(query, this.parameters(settings), this.engine.projectId);
  }

  // A dry run plans the query and reports its schema; nothing runs and no job is kept.
  // BigQuery answers an invalid dry run with the HTTP error itself.
  private async dryRun(
    projectId: string,
    location: string,
    settings: QuerySettings,
    configuration: Record<string, unknown>,
    principal: Principal,
  ): Promise<Record<string, unknown>> {
    const sql = this.sqlOf(settings);
    let fields: TableFieldSchema[];
    let statementType: string;
    try {
      const planned = await this.engine.plan(sql(), settings.defaultDataset?.datasetId);
      fields = planned.columnNames.map((name, index) => fieldSchema(name, planned.columnTypes[index] as DuckDBType));
      statementType = planned.statementType;
    } catch (error) {
      if (error instanceof UnsupportedTypeError) throw unsupportedResultType(error).asHttpError();
      if (error instanceof QueryError) throw error.asHttpError();
      throw error;
    }
    const resource = {
      kind: 'bigquery#job',
      user_email: principal.email,
      principal_subject: `serviceAccount:${principal.email}`,
      configuration: {
        ...configuration,
        query: this.queryConfiguration(settings, configuration.query as QuerySettings | undefined),
        dryRun: true,
        jobType: 'QUERY',
      },
      jobReference: { projectId, location },
      statistics: {
        creationTime: String(this.options.now()),
        totalBytesProcessed: '0',
        query: {
          totalBytesProcessed: '0',
          totalBytesBilled: '0',
          totalBytesProcessedAccuracy: 'PRECISE',
          cacheHit: false,
          statementType,
          ...(fields.length > 0 ? { schema: { fields } } : {}),
        },
      },
      status: { state: 'DONE' },
    };
    return { ...resource, etag: etag(resource) };
  }

  private parameters(settings: QuerySettings): { named: Map<string, QueryParameter>; positional: QueryParameter[] } {
    const all = settings.queryParameters ?? [];
    const mode = settings.parameterMode?.toUpperCase();
    if (all.length > 0 && mode !== 'NAMED' && mode !== 'POSITIONAL') {
      throw new QueryError('invalidQuery', 'Query parameters require parameterMode NAMED or POSITIONAL');
    }
    if (mode === 'NAMED') {
      return {
        named: new Map(all.map((parameter) => [(parameter.name ?? '').toLowerCase(), parameter])),
        positional: [],
      };
    }
    return { named: new Map(), positional: all };
  }

  private queryConfiguration(settings: QuerySettings, sent?: QuerySettings): Record<string, unknown> {
    const base = sent ?? {
      query: settings.query,
      useLegacySql: settings.useLegacySql,
      ...(settings.defaultDataset ? { defaultDataset: settings.defaultDataset } : {}),
      ...(settings.queryParameters
        ? { queryParameters: settings.queryParameters, parameterMode: settings.parameterMode }
        : {}),
    };
    return { priority: 'INTERACTIVE', ...base };
  }

  private key(projectId: string, jobId: string): string {
    return `${projectId}/${jobId}`;
  }

  private find(projectId: string, jobId: string, location: string | undefined): JobRecord {
    const job = this.jobs.get(this.key(projectId, jobId));
    if (!job || (location !== undefined && location.toUpperCase() !== job.location.toUpperCase())) {
      throw notFound(`Not found: Job ${projectId}:${location ?? this.options.location}.${jobId}`);
    }
    return job;
  }

  // Counts one status read; true once the job shows as DONE.
  private poll(job: JobRecord): boolean {
    if (job.runningPolls > 0) {
      job.runningPolls -= 1;
      return false;
    }
    return true;
  }

  private resource(job: JobRecord, { countPoll }: { countPoll: boolean }): Record<string, unknown> {
    const done = countPoll ? this.poll(job) : job.runningPolls === 0;
    const statistics: Record<string, unknown> = {
      creationTime: String(job.creationTime),
      startTime: String(job.creationTime),
    };
    if (done) {
      statistics.endTime = String(job.endTime);
      if (job.outcome) {
        const processed = bytesOf(job.outcome);
        statistics.totalBytesProcessed = processed;
        statistics.query = {
          totalBytesProcessed: processed,
          totalBytesBilled: processed,
          cacheHit: false,
          statementType: job.outcome.statementType,
          ...(job.outcome.affectedRows !== undefined ? { numDmlAffectedRows: String(job.outcome.affectedRows) } : {}),
        };
      }
    }
    const status: Record<string, unknown> = { state: done ? 'DONE' : 'RUNNING' };
    if (done && job.error) {
      status.errorResult = job.error.errorProto();
      status.errors = [job.error.errorProto()];
    }
    const jobReference = { projectId: job.projectId, jobId: job.jobId, location: job.location };
    const resource = {
      kind: 'bigquery#job',
      id: `${job.projectId}:${job.location}.${job.jobId}`,
      selfLink: `${this.options.baseUrl()}/bigquery/v2/projects/${job.projectId}/jobs/${job.jobId}?location=${job.location}`,
      user_email: job.email,
      principal_subject: `serviceAccount:${job.email}`,
      jobCreationReason: { code: 'REQUESTED' },
      configuration: { ...job.configuration, jobType: 'QUERY' },
      jobReference,
      statistics,
      status,
    };
    return { ...resource, etag: etag(resource) };
  }
}
