import type { ConnectionOptions } from 'node:tls';
import type { ClientConfig } from 'pg';
import { ConfigError } from '@backflow/protocol/connector';

/** The `ssl_mode` values both connectors' spec.json allow. */
export type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

/** The connection fields both connectors' spec.json declare. */
export interface ConnectionFields {
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly username?: string;
  readonly password?: string;
  readonly ssl_mode?: SslMode;
  readonly ssl_ca?: string;
  readonly connect_timeout_seconds?: number;
  readonly application_name?: string;
}

/** Where and how to connect, resolved to one shape whichever way the config gave it. */
export interface Connection {
  /** pg connection options. */
  readonly client: ClientConfig;
  /** Try TLS, and connect in plain text if the server does not offer it (libpq's `prefer`). */
  readonly sslFallback: boolean;
  /** `host:port/database`, for messages: never holds a secret. */
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
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

/** Resolves the connection fields of a config (already valid against its spec.json). */
export function resolveConnection(config: ConnectionFields, defaultApplicationName: string): Connection {
  const endpoint = config.url ? fromUrl(config.url) : fromFields(config);
  const sslMode = config.ssl_mode ?? endpoint.sslMode ?? 'prefer';
  return {
    client: {
      ...endpoint.client,
      ssl: sslOptions(sslMode, config.ssl_ca),
      connectionTimeoutMillis: (config.connect_timeout_seconds ?? 10) * 1000,
      application_name: config.application_name ?? defaultApplicationName,
    },
    sslFallback: sslMode === 'prefer',
    target: `${endpoint.host}:${endpoint.port}/${endpoint.database}`,
    host: endpoint.host,
    port: endpoint.port,
    database: endpoint.database,
    username: endpoint.username,
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

function fromFields(config: ConnectionFields): Endpoint {
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
  const host = url.searchParams.get('host') || decodeURIComponent(url.hostname) || 'localhost';
  const port = Number(url.port || url.searchParams.get('port') || 5432);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username);
  return {
    client: { connectionString: url.toString() },
    host,
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
