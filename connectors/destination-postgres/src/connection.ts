import pg from 'pg';
import { isSslUnsupported, toConnectorError } from './errors.js';
import type { Settings } from './settings.js';

// UTC, so a timestamp without time zone written into a timestamptz column means UTC, as
// protocol/docs/types.md does; ISO dates so what is read back (discover, tests) is unambiguous.
const SESSION_SETUP = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'";

/** Opens a session (falling back to plain TCP for `prefer`); errors come back as ConnectorErrors. */
export async function connect(settings: Settings): Promise<pg.Client> {
  try {
    try {
      return await open(settings, settings.client.ssl);
    } catch (error) {
      if (settings.sslFallback && isSslUnsupported(error)) return await open(settings, false);
      throw error;
    }
  } catch (error) {
    throw toConnectorError(error, settings.target);
  }
}

async function open(settings: Settings, ssl: pg.ClientConfig['ssl']): Promise<pg.Client> {
  const client = new pg.Client({ ...settings.client, ssl });
  // A dropped connection also rejects the pending query, which reports it; without a
  // listener the 'error' event would crash the process instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(SESSION_SETUP);
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
