import type { ClientConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '@backflow/protocol/connector';
import type { Model, PostgresSourceConfig } from './generated/config.js';

type SslMode = NonNullable<PostgresSourceConfig['ssl_mode']>;

/** The config with defaults applied and the connection resolved to one shape. */
export interface Settings {
  /** pg connection options without type parsers (connection.ts adds those). */
  readonly client: ClientConfig;
  /** Try TLS, and connect in plain text if the server does not offer it (libpq's `prefer`). */
  readonly sslFallback: boolean;
  /** `host:port/database`, for messages: never holds a secret. */
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly schemas: readonly string[];
  readonly tables: readonly string[] | undefined;
  readonly models: readonly Model[];
  readonly checkpointInterval: number;
  readonly fetchSize: number;
  readonly statementTimeoutMs: number;
}

const URL_SSL_MODES: Record<string, SslMode | 'prefer'> = {
  disable: 'disable',
  allow: 'prefer',
  prefer: 'prefer',
  require: 'require',
  'no-verify': 'require',
  'verify-ca': 'verify-ca',
  'verify-full': 'verify-full',
};

/** Resolves `config` (already valid against spec.json) into connection options and defaults. */
export function resolveSettings(config: PostgresSourceConfig): Settings {
  const endpoint = config.url ? fromUrl(config.url) : fromFields(config);
  const sslMode = config.ssl_mode ?? endpoint.sslMode ?? 'prefer';
  const client: ClientConfig = {
    ...endpoint.client,
    ssl: sslOptions(sslMode, config.ssl_ca),
    connectionTimeoutMillis: (config.connect_timeout_seconds ?? 10) * 1000,
    application_name: config.application_name ?? 'backflow-source-postgres',
  };
  const models = config.models ?? [];
  const names = new Set<string>();
  for (const model of models) {
    if (names.has(model.name))
      throw new ConfigError(`two models are named "${model.name}"; model names must be unique`);
    names.add(model.name);
  }
  return {
    client,
    sslFallback: sslMode === 'prefer',
    target: `${endpoint.host}:${endpoint.port}/${endpoint.database}`,
    host: endpoint.host,
    port: endpoint.port,
    database: endpoint.database,
    username: endpoint.username,
    schemas: config.schemas ?? ['public'],
    tables: config.tables,
    models,
    checkpointInterval: config.checkpoint_interval ?? 10_000,
    fetchSize: config.fetch_size ?? 10_000,
    statementTimeoutMs: config.statement_timeout_ms ?? 0,
  };
}

interface Endpoint {
  client: ClientConfig;
  host: string;
  port: number;
  database: string;
  username: string;
  sslMode: SslMode | 'prefer' | undefined;
}

function fromFields(config: PostgresSourceConfig): Endpoint {
  const missing = (['host', 'database', 'username'] as const).filter((field) => !config[field]);
  if (missing.length > 0) {
    throw new ConfigError(
      `config needs either "url" or all of "host", "database" and "username" (missing: ${missing.join(', ')})`,
    );
  }
  const port = config.port ?? 5432;
  return {
    client: { host: config.host, port, database: config.database, user: config.username, password: config.password },
    host: config.host!,
    port,
    database: config.database!,
    username: config.username!,
    sslMode: undefined,
  };
}

// pg would let the URL's ssl parameters override an explicit `ssl` option, so they are read
// here and removed: one code path decides TLS whichever way the connection is given.
function fromUrl(raw: string): Endpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      '"url" is not a valid connection URL (expected postgresql://user:password@host:port/database)',
    );
  }
  for (const param of ['sslcert', 'sslkey', 'sslrootcert']) {
    if (url.searchParams.has(param)) {
      throw new ConfigError(
        `"url" parameter ${param} (a file path) is not supported; put the CA certificate in "ssl_ca"`,
      );
    }
  }
  const urlMode = url.searchParams.get('sslmode') ?? undefined;
  if (urlMode !== undefined && !(urlMode in URL_SSL_MODES))
    throw new ConfigError(`"url" has an unknown sslmode "${urlMode}"`);
  url.searchParams.delete('sslmode');
  url.searchParams.delete('ssl');
  const host = url.searchParams.get('host') ?? decodeURIComponent(url.hostname) ?? 'localhost';
  const port = Number(url.port || url.searchParams.get('port') || 5432);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username);
  return {
    client: { connectionString: url.toString() },
    host: host || 'localhost',
    port,
    database,
    username: decodeURIComponent(url.username),
    sslMode: urlMode === undefined ? undefined : URL_SSL_MODES[urlMode],
  };
}

function sslOptions(mode: SslMode | 'prefer', ca: string | undefined): ClientConfig['ssl'] {
  const withCa: ConnectionOptions = ca ? { ca } : {};
  switch (mode) {
    case 'disable':
      return false;
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      // Chain verified, host name not: what libpq's verify-ca means.
      return { ...withCa, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...withCa, rejectUnauthorized: true };
  }
}
