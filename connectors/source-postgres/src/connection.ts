import type pg from 'pg';
import type { CustomTypesConfig } from 'pg';
import { openSession, usingClient } from '@backflow/postgres-common';
import { Socket } from 'node:net';
import { toConnectorError } from './errors.js';
import type { Settings } from './settings.js';
import { SocketReads } from './socket-reads.js';

const rawText = (value: string) => value;

/**
 * Every column arrives as Postgres' text output: int8, numeric and timestamps keep their
 * exact value, and type-mapping.ts converts them. Per client, so the process-wide
 * `pg.types` registry (shared with anything else loaded) is left alone.
 */
export const RAW_TEXT_TYPES: CustomTypesConfig = {
  getTypeParser: (() => rawText) as unknown as CustomTypesConfig['getTypeParser'],
};

/**
 * pg's socket: one reading into reused buffers (socket-reads.ts) for plain connections; TLS
 * reads its socket itself, so an encrypted one gets a plain socket as pg would make.
 */
function readsStream(config?: { ssl?: unknown }): Socket {
  return config?.ssl ? new Socket() : new SocketReads().socket;
}

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
    return await openSession({
      client: { ...settings.client, types: RAW_TEXT_TYPES, stream: readsStream },
      sslFallback: settings.sslFallback,
      setup: sessionSetup(settings),
    });
  } catch (error) {
    throw toConnectorError(error, { target: settings.target });
  }
}

/** Runs `use` with a connected client and always closes it. */
export async function withClient<T>(settings: Settings, use: (client: pg.Client) => Promise<T>): Promise<T> {
  return usingClient(await connect(settings), use);
}
