import { ConfigError, InternalError } from '@backflow/protocol/connector';
import { SalesforceApiError, type RequestGate } from '@backflow/salesforce-common';
import { parse } from 'csv-parse/sync';
import type { Connection, QueryResult } from 'jsforce';
import type { DescribedField } from './stream-schema.js';

type Page = QueryResult<Record<string, unknown>>;

/** One page of a REST query. */
export interface QueryPage {
  readonly totalSize: number;
  readonly records: Record<string, unknown>[];
  readonly nextRecordsUrl: string | undefined;
}

/** A Bulk API 2.0 query job's info (the fields the source reads). */
export interface QueryJobInfo {
  id: string;
  state: 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  errorMessage?: string;
  numberRecordsProcessed?: number;
}

/** One page of a query job's results: rows by column, and the locator of the next page. */
export interface ResultsPage {
  readonly rows: Record<string, string>[];
  readonly locator: string | undefined;
}

/**
 * The Salesforce calls the source makes, each one request retried by the gate: describe,
 * REST query pages (`query`, or `queryAll` to include the recycle bin), and the steps of a
 * Bulk API 2.0 query job.
 */
export class SalesforceReader {
  constructor(
    private readonly conn: Connection,
    private readonly gate: RequestGate,
  ) {}

  /** The object's fields; a ConfigError when Salesforce does not know the object. */
  async describe(object: string): Promise<DescribedField[]> {
    try {
      const answer = await this.gate.send(`describe of ${object}`, () => this.conn.describe(object));
      return answer.fields.map((f) => ({ name: f.name, label: f.label, type: f.type }));
    } catch (error) {
      if (error instanceof SalesforceApiError && ['NOT_FOUND', 'INVALID_TYPE'].includes(error.errorCode))
        throw new ConfigError(
          `objects: sObject "${object}" does not exist in this Salesforce org or the user cannot see it: ${error.said}`,
        );
      throw error instanceof SalesforceApiError ? error.toConnectorError() : error;
    }
  }

  /** The first page of a SOQL query; `all` reads through `queryAll` (records in the recycle bin too). */
  async query(soql: string, all: boolean): Promise<QueryPage> {
    return pageOf(
      await this.send(
        `SOQL ${all ? 'queryAll' : 'query'}`,
        async (): Promise<Page> =>
          await this.conn.query<Record<string, unknown>>(soql, { autoFetch: false, scanAll: all }),
      ),
    );
  }

  /** The page a `nextRecordsUrl` names. */
  async next(url: string): Promise<QueryPage> {
    return pageOf(
      await this.send(
        'SOQL query (next page)',
        async (): Promise<Page> => await this.conn.queryMore<Record<string, unknown>>(url),
      ),
    );
  }

  /** Creates a Bulk 2.0 query job (`queryAll` to include the recycle bin); returns its id. */
  async createQueryJob(soql: string, all: boolean): Promise<string> {
    const info = await this.send(`Bulk 2.0 ${all ? 'queryAll' : 'query'} job`, () =>
      this.conn.request<QueryJobInfo>({
        method: 'POST',
        url: `${this.base()}/jobs/query`,
        body: JSON.stringify({ operation: all ? 'queryAll' : 'query', query: soql }),
        headers: { 'Content-Type': 'application/json' },
      }),
    );
    if (!info.id) throw new InternalError('Bulk 2.0 query job creation answered without a job id');
    return info.id;
  }

  queryJob(id: string): Promise<QueryJobInfo> {
    return this.send(`Bulk 2.0 query job ${id}: state`, () =>
      this.conn.request<QueryJobInfo>({ method: 'GET', url: `${this.base()}/jobs/query/${id}` }),
    );
  }

  /**
   * One page of a finished job's results, at most `maxRecords` rows. Read with fetch, not
   * jsforce: jsforce's request API drops the response headers, and the next page's locator is
   * only in `Sforce-Locator`.
   */
  async results(id: string, locator: string | undefined, maxRecords: number): Promise<ResultsPage> {
    const params = new URLSearchParams({ maxRecords: String(maxRecords), ...(locator ? { locator } : {}) });
    const url = `${this.conn.instanceUrl}${this.base()}/jobs/query/${id}/results?${params}`;
    return this.send(`Bulk 2.0 query job ${id}: results`, async () => {
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { Authorization: `Bearer ${this.conn.accessToken}`, Accept: 'text/csv' },
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: unknown; message?: string } }).cause;
        // The gate retries errors with a system error code (ECONNRESET, …) as network failures.
        throw Object.assign(new Error(cause?.message ?? (error as Error).message), { code: cause?.code ?? 'EFETCH' });
      }
      const text = await response.text();
      if (!response.ok) throw apiErrorOf(response.status, text);
      const next = response.headers.get('sforce-locator');
      return {
        rows: parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[],
        locator: next && next !== 'null' ? next : undefined,
      };
    });
  }

  private base(): string {
    return `/services/data/v${this.conn.version}`;
  }

  private send<T>(what: string, call: () => Promise<T>): Promise<T> {
    return this.gate.send(what, call);
  }
}

function pageOf(result: Page): QueryPage {
  return {
    totalSize: result.totalSize,
    records: result.records,
    nextRecordsUrl: result.done ? undefined : result.nextRecordsUrl,
  };
}

/** An error shaped as jsforce shapes them (`errorCode`, `ERROR_HTTP_503` without one), so the gate renews sessions and retries alike. */
function apiErrorOf(status: number, body: string): Error {
  let first: { errorCode?: string; message?: string } | undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    first = (Array.isArray(parsed) ? parsed[0] : parsed) as typeof first;
  } catch {
    first = undefined;
  }
  return Object.assign(new Error(first?.message ?? body.slice(0, 200)), {
    errorCode: first?.errorCode ?? `ERROR_HTTP_${status}`,
  });
}
