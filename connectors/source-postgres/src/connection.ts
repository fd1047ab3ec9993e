import pg from 'pg';
import type { CustomTypesConfig } from 'pg';
import { isSslUnsupported, toConnectorError } from './errors.js';
import type { Settings } from './settings.js';

const rawText = (value: string) => value;

/**
 * Every column arrives as Postgres' text output: int8, numeric and timestamps keep their
 * exact value, and type-mapping.ts converts them. Per client, so the process-wide
 * `pg.types` registry (shared with anything else loaded) is left alone.
 */
export const RAW_TEXT_TYPES: CustomTypesConfig = {
  getTypeParser: (() => rawText) as unknown as CustomTypesConfig['getTypeParser'],
};

/** The session settings text-values.ts relies on, plus a read-only guard for models. */
function sessionSetup(settings: Settings): string {
  return [
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, MDY'",
    "SET IntervalStyle = 'iso_8601'",
    "SET bytea_output = 'hex'",
    'SET extra_float_digits = 1',
    'SET default_transaction_read_only = on',
    `SET statement_timeout = ${Math.trunc(settings.statementTimeoutMs)}`,
  ].join('; ');
}

/** Opens a session with raw-text type parsers and the session settings; errors come back as ConnectorErrors. */
export async function connect(settings: Settings): Promise<pg.Client> {
  try {
    try {
      return await open(settings, settings.client.ssl);
    } catch (error) {
      if (settings.sslFallback && isSslUnsupported(error)) return await open(settings, false);
      throw error;
    }
  } catch (error) {
    throw toConnectorError(error, { target: settings.target });
  }
}

async function open(settings: Settings, ssl: pg.ClientConfig['ssl']): Promise<pg.Client> {
  const client = new pg.Client({ ...settings.client, ssl, types: RAW_TEXT_TYPES });
  // A dropped connection also rejects the pending query, which reports it; without a
  // listener the 'error' event would crash the process instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(sessionSetup(settings));
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/** Runs `use` with a connected client and always closes it. */
export async function withClient<T>(settings: Settings, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(settings);
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
