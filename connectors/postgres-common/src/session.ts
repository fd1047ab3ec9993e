import { createRequire } from 'node:module';
import type pg from 'pg';
import { isSslUnsupported } from './errors.js';

// pg is loaded when a session opens, not at import: `spec` never connects.
const require = createRequire(import.meta.url);

/** What `openSession` needs: where to connect and what to run first. */
export interface SessionOptions {
  /** pg connection options, including any per-client type parsers. */
  readonly client: pg.ClientConfig;
  /** Retry in plain text when the server does not offer TLS (libpq's `prefer`). */
  readonly sslFallback: boolean;
  /** SQL run right after connecting (SET statements). */
  readonly setup: string;
}

/** Opens a session and runs its setup; errors are pg's own, for the connector to map. */
export async function openSession(options: SessionOptions): Promise<pg.Client> {
  try {
    return await open(options, options.client.ssl);
  } catch (error) {
    if (options.sslFallback && isSslUnsupported(error)) return await open(options, false);
    throw error;
  }
}

async function open(options: SessionOptions, ssl: pg.ClientConfig['ssl']): Promise<pg.Client> {
  const { Client } = require('pg') as typeof pg;
  const client = new Client({ ...options.client, ssl });
  // A dropped connection also rejects the pending query, which reports it; without a
  // listener the 'error' event would crash the process instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(options.setup);
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/** Runs `use` with `client` and always closes it. */
export async function usingClient<T>(client: pg.Client, use: (client: pg.Client) => Promise<T>): Promise<T> {
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
