import type { ConnectorSpecification } from '@backflow/protocol';
import type { Config } from './generated/config.js';

/** The config with the spec's defaults filled in. */
export interface Settings {
  readonly accessToken: string;
  readonly basePath: string;
  readonly objectTypes: readonly string[];
  readonly pageSize: number;
  readonly searchesPerSecond: number;
  readonly maxRetries: number;
}

/** Reads the config; absent fields take their `default` from spec.json, the one place they are written. */
export function settingsOf(config: Config, spec: ConnectorSpecification): Settings {
  const properties = (spec.connectionSpecification as { properties: Record<string, { default?: unknown }> }).properties;
  const or = <T>(value: T | undefined, name: keyof Config): T => value ?? (properties[name]!.default as T);
  return {
    accessToken: config.access_token,
    basePath: or(config.base_url, 'base_url').replace(/\/+$/, ''),
    objectTypes: or(config.object_types, 'object_types'),
    pageSize: or(config.page_size, 'page_size'),
    searchesPerSecond: or(config.searches_per_second, 'searches_per_second'),
    maxRetries: or(config.max_retries, 'max_retries'),
  };
}
