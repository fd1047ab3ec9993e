import { randomUUID } from 'node:crypto';
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import { errorFacts } from './api-error.js';
import { toConnectorError } from './errors.js';
import { withRetries, type RetryPolicy } from './retry.js';
import type { Settings } from './settings.js';
import type { WireRow } from './type-mapping.js';

/** A typed query parameter as BigQuery's REST API takes it. */
export interface QueryParameter {
  readonly name: string;
  readonly parameterType: { readonly type: string };
  readonly parameterValue: { readonly value: string };
}

export interface TableDescription {
  /** TABLE, VIEW, MATERIALIZED_VIEW, EXTERNAL, SNAPSHOT. */
  readonly type: string;
  readonly fields: readonly TableField[];
  /** From the table's (unenforced) PRIMARY KEY constraint, when it has one. */
  readonly primaryKey: readonly string[] | undefined;
}

/** One page of a query result: rows in the wire format, and the result's fields. */
export interface Page {
  readonly rows: readonly WireRow[];
  readonly fields: readonly TableField[];
}

interface QueryResults {
  jobComplete?: boolean;
  schema?: { fields?: TableField[] };
  rows?: WireRow[];
  pageToken?: string;
}

/**
 * The BigQuery calls the connector makes, each retried per `retry` and failing with a
 * ConfigError/TransientError that names `subject` and carries Google's message.
 */
export class Warehouse {
  private client: BigQuery;

  constructor(
    private readonly makeClient: () => BigQuery,
    readonly settings: Settings,
    private readonly retry: RetryPolicy,
    private readonly signal?: AbortSignal,
  ) {
    this.client = makeClient();
  }

  /** The API base URL in use, for messages. */
  get endpoint(): string {
    return this.settings.apiEndpoint ?? 'https://bigquery.googleapis.com';
  }

  /** Fails (404 notFound, 403 accessDenied, ...) unless the dataset exists and is visible. */
  async getDataset(): Promise<void> {
    const { datasetId } = this.settings;
    await this.call(`dataset "${datasetId}"`, (client) => client.dataset(datasetId).get());
  }

  /** The ids of every table and view of the dataset, following tables.list page tokens. */
  async listTables(): Promise<string[]> {
    const { datasetId } = this.settings;
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const token = pageToken;
      const [tables, next] = await this.call(`listing tables of dataset "${datasetId}"`, (client) =>
        client
          .dataset(datasetId)
          .getTables({ maxResults: 1000, autoPaginate: false, ...(token ? { pageToken: token } : {}) }),
      );
      for (const table of tables) ids.push(table.id!);
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
    return ids;
  }

  async describeTable(tableId: string): Promise<TableDescription> {
    const { datasetId } = this.settings;
    const [metadata] = await this.call(`table "${datasetId}.${tableId}"`, (client) =>
      client.dataset(datasetId).table(tableId).getMetadata(),
    );
    const columns = metadata.tableConstraints?.primaryKey?.columns as string[] | undefined;
    return {
      type: String(metadata.type ?? 'TABLE'),
      fields: (metadata.schema?.fields ?? []) as TableField[],
      primaryKey: columns?.length ? columns : undefined,
    };
  }

  /** The result fields of `sql`, from a dry run: validated and typed by BigQuery, never run. */
  async dryRun(sql: string, subject: string): Promise<TableField[]> {
    const [, response] = (await this.call(subject, (client) =>
      client.createQueryJob({ ...this.queryOptions(sql, []), dryRun: true }),
    )) as unknown as [unknown, { statistics?: { query?: { schema?: { fields?: TableField[] } } } }];
    return response.statistics?.query?.schema?.fields ?? [];
  }

  /**
   * Runs `sql` as a query job (jobs.insert) and yields its result one page at a time
   * (getQueryResults with page tokens), so memory holds one page whatever the result size.
   */
  async *query(sql: string, subject: string, parameters: readonly QueryParameter[] = []): AsyncGenerator<Page> {
    const jobId = await this.insertJob(sql, subject, parameters);
    let pageToken: string | undefined;
    for (;;) {
      const token = pageToken;
      const response = await this.call(subject, (client) => this.getQueryResults(client, jobId, token));
      // A job still running answers without rows; BigQuery already waited on its side.
      if (response.jobComplete === false) continue;
      yield { rows: response.rows ?? [], fields: response.schema?.fields ?? [] };
      if (!response.pageToken) return;
      pageToken = response.pageToken;
    }
  }

  /**
   * jobs.getQueryResults as the client library sends it, but answered undecoded: the wire
   * values are exact text (the library would turn INT64 into lossy numbers, NUMERIC into
   * big.js and TIMESTAMP into PreciseDate objects, only for us to turn them back into text).
   */
  private getQueryResults(client: BigQuery, jobId: string, pageToken: string | undefined): Promise<QueryResults> {
    const qs = {
      location: this.settings.location,
      maxResults: this.settings.pageSize,
      'formatOptions.useInt64Timestamp': true,
      ...(pageToken ? { pageToken } : {}),
    };
    return new Promise((resolve, reject) => {
      client.request({ uri: `/queries/${encodeURIComponent(jobId)}`, qs }, (error, body) =>
        error ? reject(error) : resolve(body as QueryResults),
      );
    });
  }

  /**
   * jobs.insert with our own job id, so a retry after a lost answer meets `409 duplicate`
   * and picks up the job that was created instead of running the query twice. A job that ran
   * and failed (BigQuery's `backendError`, ...) is retried as a new job.
   */
  private async insertJob(sql: string, subject: string, parameters: readonly QueryParameter[]): Promise<string> {
    let jobId = newJobId();
    await this.call(subject, async (client, attempt) => {
      try {
        await client.createQueryJob({ ...this.queryOptions(sql, parameters), jobId });
        return;
      } catch (error) {
        const facts = errorFacts(error);
        if (facts.status === undefined && facts.networkCode === undefined) jobId = newJobId();
        if (attempt === 1 || facts.status !== 409) throw error;
      }
      const [metadata] = await client.job(jobId, { location: this.settings.location }).getMetadata();
      const failure = metadata.status?.errorResult;
      if (failure) {
        jobId = newJobId();
        throw Object.assign(new Error(String(failure.message)), { errors: [failure] });
      }
    });
    return jobId;
  }

  private queryOptions(sql: string, parameters: readonly QueryParameter[]) {
    const { projectId, datasetId, location } = this.settings;
    return {
      query: sql,
      useLegacySql: false,
      location,
      defaultDataset: { projectId, datasetId },
      ...(parameters.length > 0 ? { parameterMode: 'NAMED', queryParameters: parameters as QueryParameter[] } : {}),
    };
  }

  private async call<T>(subject: string, call: (client: BigQuery, attempt: number) => Promise<T>): Promise<T> {
    try {
      return await withRetries((attempt) => this.withFreshToken(call, attempt), this.retry, this.signal);
    } catch (error) {
      throw toConnectorError(error, { subject, endpoint: this.endpoint });
    }
  }

  /**
   * Runs `call`, once more with a new client when the API refuses the access token (401):
   * the library would keep sending the token it cached, so a new client fetches a new one.
   */
  private async withFreshToken<T>(
    call: (client: BigQuery, attempt: number) => Promise<T>,
    attempt: number,
  ): Promise<T> {
    try {
      return await call(this.client, attempt);
    } catch (error) {
      const facts = errorFacts(error);
      if (facts.status !== 401 || facts.oauthError) throw error;
      this.client = this.makeClient();
      return call(this.client, attempt);
    }
  }
}

function newJobId(): string {
  return `backflow_${randomUUID().replaceAll('-', '_')}`;
}
