import type { ConnectorSpecification } from '@backflow/protocol';
import type { Authentication, Config } from './generated/config.js';

/** The config with the spec's defaults filled in. */
export interface Settings {
  readonly auth: Authentication;
  readonly loginUrl: string;
  readonly apiVersion: string;
  readonly objects: readonly string[];
  readonly bulkThreshold: number;
  readonly bulkPageRecords: number;
  readonly includeDeleted: boolean;
  readonly bulkPollMs: number;
  readonly bulkTimeoutMs: number;
  readonly maxRetries: number;
}

/** Reads the config; absent fields take their `default` from spec.json, the one place they are written. */
export function settingsOf(config: Config, spec: ConnectorSpecification): Settings {
  const properties = (spec.connectionSpecification as { properties: Record<string, { default?: unknown }> }).properties;
  const or = <T>(value: T | undefined, name: keyof Config): T => value ?? (properties[name]!.default as T);
  return {
    auth: config.auth,
    loginUrl: or(config.login_url, 'login_url').replace(/\/+$/, ''),
    apiVersion: or(config.api_version, 'api_version'),
    objects: or(config.objects, 'objects'),
    bulkThreshold: or(config.bulk_threshold, 'bulk_threshold'),
    bulkPageRecords: or(config.bulk_page_records, 'bulk_page_records'),
    includeDeleted: or(config.include_deleted, 'include_deleted'),
    bulkPollMs: or(config.bulk_poll_seconds, 'bulk_poll_seconds') * 1000,
    bulkTimeoutMs: or(config.bulk_timeout_seconds, 'bulk_timeout_seconds') * 1000,
    maxRetries: or(config.max_retries, 'max_retries'),
  };
}
