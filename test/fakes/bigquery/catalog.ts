import { createHash } from 'node:crypto';
import type { DuckDBType } from '@duckdb/node-api';
import type { Engine, RelationInfo } from './engine.js';
import { GoogleApiError, notFound } from './errors.js';
import { takePage } from './paging.js';
import type { PageRequest } from './paging.js';
import { UnsupportedTypeError, fieldSchema } from './schema.js';
import type { TableFieldSchema } from './schema.js';
import { rowsOf, timestampFormat } from './wire-values.js';
import type { Row } from './wire-values.js';

/** Limits and clocks the catalog answers with. */
export interface CatalogOptions {
  location: string;
  maxResponseBytes: number;
  /** When every dataset and table was "created": DuckDB keeps no creation times. */
  createdAt: number;
  baseUrl: () => string;
}

// BigQuery's documented default page sizes for datasets.list and tables.list.
const DEFAULT_LIST_PAGE_SIZE = 50;

function etag(value: unknown): string {
  return createHash('md5').update(JSON.stringify(value)).digest('base64');
}

function pageOf(query: URLSearchParams): PageRequest {
  return {
    ...(query.has('maxResults') ? { maxResults: Number(query.get('maxResults')) } : {}),
    ...(query.has('startIndex') ? { startIndex: Number(query.get('startIndex')) } : {}),
    ...(query.has('pageToken') ? { pageToken: query.get('pageToken') as string } : {}),
  };
}

/** Datasets (DuckDB schemas), tables and views (DuckDB tables and views), and table data. */
export class Catalog {
  private readonly engine: Engine;
  private readonly options: CatalogOptions;

  constructor(engine: Engine, options: CatalogOptions) {
    this.engine = engine;
    this.options = options;
  }

  /** datasets.get */
  async getDataset(projectId: string, datasetId: string): Promise<Record<string, unknown>> {
    await this.requireDataset(projectId, datasetId);
    const resource = {
      kind: 'bigquery#dataset',
      id: `${projectId}:${datasetId}`,
      selfLink: `${this.options.baseUrl()}/bigquery/v2/projects/${projectId}/datasets/${datasetId}`,
      datasetReference: { datasetId, projectId },
      access: [{ role: 'OWNER', specialGroup: 'projectOwners' }],
      creationTime: String(this.options.createdAt),
      lastModifiedTime: String(this.options.createdAt),
      location: this.options.location,
      type: 'DEFAULT',
    };
    return { ...resource, etag: etag(resource) };
  }

  /** datasets.list */
  async listDatasets(projectId: string, query: URLSearchParams): Promise<Record<string, unknown>> {
    const names = await this.engine.listDatasets();
    const page = takePage(
      `datasets:${projectId}`,
      names.length,
      pageOf(query),
      (index) => ({
        kind: 'bigquery#dataset',
        id: `${projectId}:${names[index]}`,
        datasetReference: { datasetId: names[index], projectId },
        location: this.options.location,
        type: 'DEFAULT',
      }),
      { maxBytes: this.options.maxResponseBytes, defaultPageSize: DEFAULT_LIST_PAGE_SIZE },
    );
    return {
      kind: 'bigquery#datasetList',
      etag: etag(page),
      ...(page.items.length > 0 ? { datasets: page.items } : {}),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    };
  }

  /** tables.list */
  async listTables(projectId: string, datasetId: string, query: URLSearchParams): Promise<Record<string, unknown>> {
    await this.requireDataset(projectId, datasetId);
    const relations = await this.engine.listRelations(datasetId);
    const page = takePage(
      `tables:${projectId}:${datasetId}`,
      relations.length,
      pageOf(query),
      (index) => {
        const relation = relations[index] as RelationInfo;
        return {
          kind: 'bigquery#table',
          id: `${projectId}:${datasetId}.${relation.name}`,
          tableReference: { projectId, datasetId, tableId: relation.name },
          type: relation.kind,
          creationTime: String(this.options.createdAt),
          ...(relation.kind === 'VIEW' ? { view: { useLegacySql: false } } : {}),
        };
      },
      { maxBytes: this.options.maxResponseBytes, defaultPageSize: DEFAULT_LIST_PAGE_SIZE },
    );
    return {
      kind: 'bigquery#tableList',
      etag: etag(page),
      ...(page.items.length > 0 ? { tables: page.items } : {}),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      totalItems: relations.length,
    };
  }

  /** tables.get */
  async getTable(projectId: string, datasetId: string, tableId: string): Promise<Record<string, unknown>> {
    const relation = await this.requireTable(projectId, datasetId, tableId);
    const description = await this.engine.describe(datasetId, tableId);
    const fields = this.schemaOf(tableId, description.columnNames, description.columnTypes, description.columns);
    const isView = relation.kind === 'VIEW';
    const numRows = isView ? undefined : await this.engine.countRows(datasetId, tableId);
    const resource = {
      kind: 'bigquery#table',
      id: `${projectId}:${datasetId}.${tableId}`,
      selfLink: `${this.options.baseUrl()}/bigquery/v2/projects/${projectId}/datasets/${datasetId}/tables/${tableId}`,
      tableReference: { projectId, datasetId, tableId },
      ...(relation.comment ? { description: relation.comment } : {}),
      schema: { fields },
      ...(isView
        ? { view: { query: relation.viewSql ?? '', useLegacySql: false } }
        : { numRows: String(numRows), numBytes: String((numRows ?? 0) * fields.length * 8) }),
      creationTime: String(this.options.createdAt),
      lastModifiedTime: String(this.options.createdAt),
      type: relation.kind,
      location: this.options.location,
    };
    return { ...resource, etag: etag(resource) };
  }

  /** tabledata.list */
  async listRows(
    projectId: string,
    datasetId: string,
    tableId: string,
    query: URLSearchParams,
  ): Promise<Record<string, unknown>> {
    const relation = await this.requireTable(projectId, datasetId, tableId);
    if (relation.kind === 'VIEW') {
      throw new GoogleApiError(400, 'invalid', `Cannot list a table of type VIEW.`);
    }
    const outcome = await this.engine.readTable(datasetId, tableId);
    const selected = query
      .get('selectedFields')
      ?.split(',')
      .map((field) => field.split('.')[0]?.trim().toLowerCase());
    const keep = outcome.columnNames
      .map((name, index) => ({ name, index }))
      .filter(({ name }) => !selected || selected.includes(name.toLowerCase()));
    const names = keep.map(({ name }) => name);
    const types = keep.map(({ index }) => outcome.columnTypes[index] as DuckDBType);
    const format = timestampFormat({
      timestampOutputFormat: query.get('formatOptions.timestampOutputFormat') ?? undefined,
      useInt64Timestamp: query.get('formatOptions.useInt64Timestamp') ?? undefined,
    });
    const page = takePage(
      `data:${projectId}:${datasetId}.${tableId}`,
      outcome.rows.length,
      pageOf(query),
      (index) => {
        const row = outcome.rows[index] ?? [];
        return rowsOf([keep.map(({ index: column }) => row[column] ?? null)], names, types, format)[0] as Row;
      },
      { maxBytes: this.options.maxResponseBytes },
    );
    return {
      kind: 'bigquery#tableDataList',
      etag: etag([tableId, page.nextPageToken]),
      totalRows: String(outcome.rows.length),
      ...(page.items.length > 0 ? { rows: page.items } : {}),
      ...(page.nextPageToken ? { pageToken: page.nextPageToken } : {}),
    };
  }

  private schemaOf(
    tableId: string,
    names: string[],
    types: DuckDBType[],
    columns: { name: string; nullable: boolean; comment: string | null }[],
  ): TableFieldSchema[] {
    try {
      return names.map((name, index) => {
        const column = columns.find((candidate) => candidate.name === name);
        return fieldSchema(name, types[index] as DuckDBType, {
          declared: true,
          nullable: column?.nullable ?? true,
          description: column?.comment ?? null,
        });
      });
    } catch (error) {
      if (!(error instanceof UnsupportedTypeError)) throw error;
      // A seeding mistake, not an API behaviour: say so plainly.
      throw new GoogleApiError(
        500,
        'internalError',
        `BigQuery fake: table ${tableId} cannot be described: ${error.message}`,
      );
    }
  }

  private async requireDataset(projectId: string, datasetId: string): Promise<void> {
    if (!(await this.engine.datasetExists(datasetId))) {
      throw notFound(`Not found: Dataset ${projectId}:${datasetId}`);
    }
  }

  private async requireTable(projectId: string, datasetId: string, tableId: string): Promise<RelationInfo> {
    await this.requireDataset(projectId, datasetId);
    const relation = (await this.engine.listRelations(datasetId)).find((candidate) => candidate.name === tableId);
    if (!relation) throw notFound(`Not found: Table ${projectId}:${datasetId}.${tableId}`);
    return relation;
  }
}
