import type { ClientConfig } from 'pg';
import { ConfigError, type WithDefaults } from '@backflow/protocol/connector';
import { resolveConnection, type Connection } from '@backflow/postgres-common';
import type { Model, PostgresSourceConfig } from './generated/config.js';

/** The config with defaults applied and the connection resolved to one shape. */
export interface Settings extends Connection {
  /** pg connection options without type parsers (connection.ts adds those). */
  readonly client: ClientConfig;
  readonly schemas: readonly string[];
  readonly tables: readonly string[] | undefined;
  readonly models: readonly Model[];
  readonly checkpointInterval: number;
  readonly statementTimeoutMs: number;
}

/** The config as the SDK hands it over: valid against spec.json, with the spec's defaults filled in. */
export type SourceConfig = WithDefaults<
  PostgresSourceConfig,
  'schemas' | 'models' | 'checkpoint_interval' | 'statement_timeout_ms'
>;

/** Resolves `config` into connection options. */
export function resolveSettings(config: SourceConfig): Settings {
  const connection = resolveConnection(config, 'backflow-source-postgres');
  const models = config.models;
  const names = new Set<string>();
  for (const model of models) {
    if (names.has(model.name))
      throw new ConfigError(`two models are named "${model.name}"; model names must be unique`);
    names.add(model.name);
  }
  return {
    ...connection,
    schemas: config.schemas,
    tables: config.tables,
    models,
    checkpointInterval: config.checkpoint_interval,
    statementTimeoutMs: config.statement_timeout_ms,
  };
}
