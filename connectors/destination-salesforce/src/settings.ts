import type { ConnectorSpecification } from '@backflow/protocol';
import type { Authentication, Config } from './generated/config.js';

/** The config with the spec's defaults filled in. */
export interface Settings {
  readonly auth: Authentication;
  readonly loginUrl: string;
  readonly apiVersion: string;
  readonly objects: readonly string[];
  readonly bulkThreshold: number;
  readonly bulkPollMs: number;
  readonly bulkTimeoutMs: number;
  readonly maxRetries: number;
}

/** Reads the config; absent fields take their `default` from spec.json, the one place they are written. */
export function settingsOf(config: Config, spec: ConnectorSpecification): Settings {
  const properties = (spec.connectionSpecification as { properties: Record<string, { default?: unknown }> }).properties;
  const fallback = <T>(name: keyof Config): T => properties[name]!.default as T;
  return {
    auth: config.auth,
    loginUrl: (config.login_url ?? fallback<string>('login_url')).replace(/\/+$/, ''),
    apiVersion: config.api_version ?? fallback<string>('api_version'),
    objects: config.objects ?? fallback<string[]>('objects'),
    bulkThreshold: config.bulk_threshold ?? fallback<number>('bulk_threshold'),
    bulkPollMs: (config.bulk_poll_seconds ?? fallback<number>('bulk_poll_seconds')) * 1000,
    bulkTimeoutMs: (config.bulk_timeout_seconds ?? fallback<number>('bulk_timeout_seconds')) * 1000,
    maxRetries: config.max_retries ?? fallback<number>('max_retries'),
  };
}
