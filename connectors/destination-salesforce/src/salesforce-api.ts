import { ConfigError, InternalError, TransientError, type Logger } from '@backflow/protocol/connector';
import type { Connection, QueryResult } from 'jsforce';
import { SalesforceApiError } from '@backflow/salesforce-common';
import { objectSchemaOf, type DescribeAnswer, type ObjectSchema } from './object-schema.js';
import type { FieldValue } from './prepare-batch.js';
import type { RequestGate } from '@backflow/salesforce-common';

/** Salesforce's per-record result in sObject Collections answers (SaveResult / UpsertResult). */
export interface SaveResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors: { statusCode?: string; errorCode?: string; message: string; fields?: string[] }[];
}

/** A Bulk API 2.0 ingest operation. */
export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete';

/** A Bulk 2.0 job's info (the fields the connector reads). */
export interface JobInfo {
  id: string;
  state: 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  errorMessage?: string;
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
}

/** The three result sets of a finished job, each row with the uploaded columns. */
export interface JobResults {
  successful: Record<string, string>[];
  failed: Record<string, string>[];
  unprocessed: Record<string, string>[];
}

/** Most records or ids per sObject Collections call. */
export const MAX_COLLECTION = 200;

type CollectionRecord = Record<string, FieldValue>;

/**
 * The Salesforce calls the connector makes, through jsforce, each one request paced and
 * retried by the gate: describe, sObject Collections (create, update, upsert, delete; at
 * most 200 records, `allOrNone: false`), SOQL, and the steps of a Bulk 2.0 ingest job.
 */
export class SalesforceApi {
  private lastUsage: { used: number; limit: number } | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly gate: RequestGate,
    private readonly logger: Logger,
  ) {}

  /** The object's fields; a ConfigError when Salesforce does not know the object. */
  async describe(object: string): Promise<ObjectSchema> {
    try {
      const answer = await this.send(`describe of ${object}`, () => this.conn.describe(object));
      return objectSchemaOf(answer as unknown as DescribeAnswer);
    } catch (error) {
      if (error instanceof SalesforceApiError && ['NOT_FOUND', 'INVALID_TYPE'].includes(error.errorCode))
        throw new ConfigError(
          `sObject "${object}" does not exist in this Salesforce org or the user cannot see it: ${error.said}`,
        );
      throw error instanceof SalesforceApiError ? error.toConnectorError() : error;
    }
  }

  create(object: string, records: CollectionRecord[]): Promise<SaveResult[]> {
    return this.collection(`sObject Collections create of ${records.length} ${object}`, () =>
      this.conn.create(object, records, { allOrNone: false }),
    );
  }

  update(object: string, records: (CollectionRecord & { Id: string })[]): Promise<SaveResult[]> {
    return this.collection(`sObject Collections update of ${records.length} ${object}`, () =>
      this.conn.update(object, records, { allOrNone: false }),
    );
  }

  upsert(object: string, key: string, records: CollectionRecord[]): Promise<SaveResult[]> {
    return this.collection(`sObject Collections upsert of ${records.length} ${object} by ${key}`, () =>
      this.conn.upsert(object, records, key, { allOrNone: false }),
    );
  }

  destroy(object: string, ids: string[]): Promise<SaveResult[]> {
    return this.collection(`sObject Collections delete of ${ids.length} ${object}`, () =>
      this.conn.destroy(object, ids, { allOrNone: false }),
    );
  }

  /** Every record a SOQL query selects, following `nextRecordsUrl`, each page one request. */
  async query(soql: string, what: string): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    type Page = QueryResult<Record<string, unknown>>;
    let page: Page = await this.send(
      what,
      async (): Promise<Page> => await this.conn.query<Record<string, unknown>>(soql, { autoFetch: false }),
    );
    rows.push(...page.records);
    while (!page.done && page.nextRecordsUrl) {
      const next = page.nextRecordsUrl;
      page = await this.send(
        `${what} (next page)`,
        async (): Promise<Page> => await this.conn.queryMore<Record<string, unknown>>(next),
      );
      rows.push(...page.records);
    }
    return rows;
  }

  /** Creates a Bulk 2.0 ingest job, uploads `csv` (LF line endings) and closes it; returns its id. */
  async startJob(
    object: string,
    operation: IngestOperation,
    key: string | undefined,
    csv: string,
    records: number,
  ): Promise<string> {
    const job = this.conn.bulk2.createJob({
      object,
      operation,
      ...(key && operation === 'upsert' ? { externalIdFieldName: key } : {}),
      lineEnding: 'LF',
    });
    const info = await this.send(`Bulk 2.0 ${operation} job for ${records} ${object}`, () => job.open());
    if (!info.id) throw new InternalError(`Bulk 2.0 job creation for ${object} answered without a job id`);
    const what = `Bulk 2.0 job ${info.id}`;
    await this.send(`${what}: upload of ${records} records`, () => job.uploadData(csv));
    await this.send(`${what}: close`, () => job.close());
    return info.id;
  }

  async jobInfo(id: string): Promise<JobInfo> {
    return (await this.send(`Bulk 2.0 job ${id}: state`, () =>
      this.conn.bulk2.job('ingest', { id }).check(),
    )) as JobInfo;
  }

  async jobResults(id: string): Promise<JobResults> {
    const job = this.conn.bulk2.job('ingest', { id });
    const what = `Bulk 2.0 job ${id}`;
    const rows = (answer: unknown) => (Array.isArray(answer) ? (answer as Record<string, string>[]) : []);
    return {
      successful: rows(await this.send(`${what}: successful results`, () => job.getSuccessfulResults())),
      failed: rows(await this.send(`${what}: failed results`, () => job.getFailedResults())),
      unprocessed: rows(await this.send(`${what}: unprocessed records`, () => job.getUnprocessedRecords())),
    };
  }

  /** Logs the daily API allowance as the last `Sforce-Limit-Info` header reported it; warns past 90%. */
  reportUsage(): void {
    const usage = this.conn.limitInfo?.apiUsage ?? this.lastUsage;
    if (!usage) return;
    this.lastUsage = usage;
    const share = usage.limit > 0 ? (100 * usage.used) / usage.limit : 0;
    const log = share >= 90 ? this.logger.warn : this.logger.info;
    log(
      'Salesforce API usage: %d of %d daily requests (%s%%), per Sforce-Limit-Info',
      usage.used,
      usage.limit,
      share.toFixed(1),
    );
  }

  private async collection(what: string, call: () => Promise<unknown>): Promise<SaveResult[]> {
    const answer = await this.send(what, call);
    if (!Array.isArray(answer)) throw new TransientError(`${what}: Salesforce's answer is not a list of results`);
    return answer as SaveResult[];
  }

  private send<T>(what: string, call: () => Promise<T>): Promise<T> {
    return this.gate.send(what, call);
  }
}
