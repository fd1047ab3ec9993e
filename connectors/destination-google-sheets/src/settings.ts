import type { ConnectorSpecification } from '@backflow/protocol';
import { ConfigError } from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';

/** The config with the spec's defaults filled in. */
export interface Settings {
  readonly spreadsheetId: string;
  readonly credentials: Config['credentials'];
  readonly writesPerMinute: number;
  readonly readsPerMinute: number;
  readonly maxRetries: number;
  readonly apiRoot: string;
  readonly tokenUri: string;
}

// The ID is the path segment after `/d/` in a spreadsheet's URL.
function spreadsheetIdOf(value: string): string {
  const text = value.trim();
  if (!/^https?:\/\//i.test(text)) return text;
  const match = /\/spreadsheets\/d\/([A-Za-z0-9_-]+)/.exec(text);
  if (!match) {
    throw new ConfigError(
      `spreadsheet_id: "${text}" is a URL without a spreadsheet ID; expected https://docs.google.com/spreadsheets/d/<ID>/edit or the ID itself`,
    );
  }
  return match[1]!;
}

/** Reads the config; absent fields take their `default` from spec.json, the one place they are written. */
export function settingsOf(config: Config, spec: ConnectorSpecification): Settings {
  const properties = (spec.connectionSpecification as { properties: Record<string, { default?: unknown }> }).properties;
  const fallback = <T>(name: keyof Config): T => properties[name]!.default as T;
  return {
    spreadsheetId: spreadsheetIdOf(config.spreadsheet_id),
    credentials: config.credentials,
    writesPerMinute: config.write_requests_per_minute ?? fallback<number>('write_requests_per_minute'),
    readsPerMinute: config.read_requests_per_minute ?? fallback<number>('read_requests_per_minute'),
    maxRetries: config.max_retries ?? fallback<number>('max_retries'),
    apiRoot: (config.api_root ?? fallback<string>('api_root')).replace(/\/*$/, '/'),
    tokenUri: config.token_uri ?? fallback<string>('token_uri'),
  };
}
