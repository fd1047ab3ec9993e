import type { ClientConfig } from 'pg';
import { ConfigError } from '@backflow/protocol/connector';
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
  readonly fetchSize: number;
  readonly statementTimeoutMs: number;
}

/** Resolves `config` (already valid against spec.json) into connection options and defaults. */
export function resolveSettings(config: PostgresSourceConfig): Settings {
  const connection = resolveConnection(config, 'backflow-source-postgres');
  const models = config.models ?? [];
  const names = new Set<string>();
  for (const model of models) {
    if (names.has(model.name))
      throw new ConfigError(`two models are named "${model.name}"; model names must be unique`);
    names.add(model.name);
  }
  return {
    ...connection,
    schemas: config.schemas ?? ['public'],
    tables: config.tables,
    models,
    checkpointInterval: config.checkpoint_interval ?? 10_000,
    fetchSize: config.fetch_size ?? 10_000,
    statementTimeoutMs: config.statement_timeout_ms ?? 0,
  };
}
