import type { ConnectionOptions } from 'node:tls';
import type { ClientConfig } from 'pg';
import { ConfigError } from '@backflow/protocol/connector';
import type { PostgresDestinationConfig } from './generated/config.js';

type SslMode = NonNullable<PostgresDestinationConfig['ssl_mode']>;

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
export function resolveSettings(config: PostgresDestinationConfig): Settings {
  const endpoint = config.url ? fromUrl(config.url) : fromFields(config);
  const sslMode = config.ssl_mode ?? endpoint.sslMode ?? 'prefer';
  return {
    client: {
      ...endpoint.client,
      ssl: sslOptions(sslMode, config.ssl_ca),
      connectionTimeoutMillis: (config.connect_timeout_seconds ?? 10) * 1000,
      application_name: config.application_name ?? 'backflow-destination-postgres',
    },
    sslFallback: sslMode === 'prefer',
    target: `${endpoint.host}:${endpoint.port}/${endpoint.database}`,
    schema: config.schema ?? 'public',
  };
}

interface Endpoint {
  client: ClientConfig;
  host: string;
  port: number;
  database: string;
  sslMode: SslMode | 'prefer' | undefined;
}

function fromFields(config: PostgresDestinationConfig): Endpoint {
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
  const host = url.searchParams.get('host') || decodeURIComponent(url.hostname) || 'localhost';
  const port = Number(url.port || url.searchParams.get('port') || 5432);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username);
  return {
    client: { connectionString: url.toString() },
    host,
    port,
    database,
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
