import type { ClientConfig } from 'pg';
import { resolveConnection } from '@backflow/postgres-common';
import type { PostgresDestinationConfig } from './generated/config.js';

/** The config with defaults applied and the connection resolved to one shape. */
export interface Settings {
  /** pg connection options. */
  readonly client: ClientConfig;
  /** Try TLS, and connect in plain text if the server does not offer it (libpq's `prefer`). */
  readonly sslFallback: boolean;
  /** `host:port/database`, for messages: never holds a secret. */
  readonly target: string;
  /** Schema the tables live in. */
  readonly schema: string;
}

/** Resolves `config` (already valid against spec.json) into connection options and defaults. */
export function resolveSettings(config: PostgresDestinationConfig): Settings {
  const { client, sslFallback, target } = resolveConnection(config, 'backflow-destination-postgres');
  return { client, sslFallback, target, schema: config.schema ?? 'public' };
}
