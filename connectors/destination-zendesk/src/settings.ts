import type { ConnectorSpecification } from '@backflow/protocol';
import { ConfigError } from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';

/** The config with the spec's defaults filled in. */
export interface Settings {
  /** `https://acme.zendesk.com`, no trailing slash. */
  readonly baseUrl: string;
  /** The `Authorization` header value; a secret. */
  readonly authorization: string;
  readonly requestsPerMinute: number;
  readonly maxRetries: number;
  readonly jobTimeoutMs: number;
}

/** Reads the config; absent fields take their `default` from spec.json, the one place they are written. */
export function settingsOf(config: Config, spec: ConnectorSpecification): Settings {
  const properties = (spec.connectionSpecification as { properties: Record<string, { default?: unknown }> }).properties;
  const fallback = <T>(name: keyof Config): T => properties[name]!.default as T;
  return {
    baseUrl: baseUrlOf(config),
    authorization: authorizationOf(config.credentials),
    requestsPerMinute: config.requests_per_minute ?? fallback<number>('requests_per_minute'),
    maxRetries: config.max_retries ?? fallback<number>('max_retries'),
    jobTimeoutMs: (config.job_timeout_seconds ?? fallback<number>('job_timeout_seconds')) * 1000,
  };
}

function baseUrlOf(config: Config): string {
  if (config.base_url) return config.base_url.replace(/\/+$/, '');
  if (config.subdomain) return `https://${config.subdomain}.zendesk.com`;
  throw new ConfigError('config: give `subdomain` (e.g. "acme") or `base_url` (e.g. "https://acme.zendesk.com")');
}

// API tokens authenticate as `{email}/token:{api_token}` (Basic); OAuth tokens as Bearer.
function authorizationOf(credentials: Config['credentials']): string {
  if (credentials.auth_type === 'oauth2') return `Bearer ${credentials.access_token}`;
  return `Basic ${Buffer.from(`${credentials.email}/token:${credentials.api_token}`).toString('base64')}`;
}
