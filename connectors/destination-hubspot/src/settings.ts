import type { ConnectorSpecification } from '@backflow/protocol';
import type { Config } from './generated/config.js';

/** The config with the spec's defaults filled in. */
export interface Settings {
  readonly accessToken: string;
  readonly basePath: string;
  readonly objectTypes: readonly string[];
  readonly maxRequestsPerWindow: number;
  readonly windowMs: number;
  readonly maxRetries: number;
}

/** Reads the config; absent fields take their `default` from spec.json, the one place they are written. */
export function settingsOf(config: Config, spec: ConnectorSpecification): Settings {
  const properties = (spec.connectionSpecification as { properties: Record<string, { default?: unknown }> }).properties;
  const fallback = <T>(name: keyof Config): T => properties[name]!.default as T;
  return {
    accessToken: config.access_token,
    basePath: (config.base_url ?? fallback<string>('base_url')).replace(/\/+$/, ''),
    objectTypes: config.object_types ?? fallback<string[]>('object_types'),
    maxRequestsPerWindow: config.max_requests_per_window ?? fallback<number>('max_requests_per_window'),
    windowMs: (config.window_seconds ?? fallback<number>('window_seconds')) * 1000,
    maxRetries: config.max_retries ?? fallback<number>('max_retries'),
  };
}
