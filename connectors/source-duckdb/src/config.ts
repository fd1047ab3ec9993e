import { ConfigError, type WithDefaults } from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';

export type FileFormat = 'csv' | 'parquet' | 'json';

export interface FileStreamConfig {
  readonly name: string;
  readonly path: string;
  readonly format: FileFormat;
  readonly primaryKey: readonly string[];
  readonly cursorField: string | undefined;
}

export interface ModelConfig {
  readonly name: string;
  readonly sql: string;
  readonly primaryKey: readonly string[];
  readonly cursorField: string | undefined;
}

/** The config with defaults applied and cross-field rules checked. */
export interface ResolvedConfig {
  readonly path: string | undefined;
  readonly schemas: readonly string[];
  /** `[schema, name]` pairs; undefined means every table and view in `schemas`. */
  readonly tables: readonly (readonly [schema: string | undefined, name: string])[] | undefined;
  readonly files: readonly FileStreamConfig[];
  readonly models: readonly ModelConfig[];
  readonly checkpointInterval: number;
  readonly memoryLimit: string | undefined;
}

/** The config as the SDK hands it over: valid against spec.json, with the spec's defaults filled in. */
export type SourceConfig = WithDefaults<Config, 'schemas' | 'checkpoint_interval'>;

export function resolveConfig(config: SourceConfig): ResolvedConfig {
  const files = (config.files ?? []).map((file) => ({
    name: file.name,
    path: file.path,
    format: file.format ?? formatFromExtension(file.name, file.path),
    primaryKey: file.primary_key ?? [],
    cursorField: file.cursor_field,
  }));
  const models = (config.models ?? []).map((model) => ({
    name: model.name,
    sql: model.sql,
    primaryKey: model.primary_key ?? [],
    cursorField: model.cursor_field,
  }));
  if (config.path === undefined && files.length === 0 && models.length === 0) {
    throw new ConfigError('nothing to read: give a database `path`, `files` or `models`');
  }
  if (config.path === undefined && config.tables !== undefined) {
    throw new ConfigError('`tables` needs a database `path` to read them from');
  }
  const seen = new Set<string>();
  for (const { name } of [...files, ...models]) {
    if (seen.has(name)) throw new ConfigError(`two files/models are named "${name}": stream names must be unique`);
    seen.add(name);
  }
  return {
    path: config.path,
    schemas: config.schemas,
    tables: config.tables?.map(splitTableName),
    files,
    models,
    checkpointInterval: config.checkpoint_interval,
    memoryLimit: config.memory_limit,
  };
}

function splitTableName(entry: string): readonly [string | undefined, string] {
  const dot = entry.indexOf('.');
  return dot < 0 ? [undefined, entry] : [entry.slice(0, dot), entry.slice(dot + 1)];
}

function formatFromExtension(name: string, path: string): FileFormat {
  const lower = path.toLowerCase().replace(/\.(gz|zst)$/, '');
  if (/\.(csv|tsv|txt)$/.test(lower)) return 'csv';
  if (lower.endsWith('.parquet')) return 'parquet';
  if (/\.(json|jsonl|ndjson)$/.test(lower)) return 'json';
  throw new ConfigError(`file stream "${name}": cannot tell the format of ${path} from its extension; set \`format\``);
}
