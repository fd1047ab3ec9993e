import type pg from 'pg';
import { openSession, usingClient } from '@backflow/postgres-common';
import { toConnectorError } from './errors.js';
import type { Settings } from './settings.js';

// UTC, so a timestamp without time zone written into a timestamptz column means UTC, as
// protocol/docs/types.md does; ISO dates so what is read back (discover, tests) is unambiguous.
const SESSION_SETUP = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'";

/** Opens a session (falling back to plain TCP for `prefer`); errors come back as ConnectorErrors. */
export async function connect(settings: Settings): Promise<pg.Client> {
  try {
    return await openSession({ client: settings.client, sslFallback: settings.sslFallback, setup: SESSION_SETUP });
  } catch (error) {
    throw toConnectorError(error, settings.target);
  }
}

/** Runs `use` with a connected client and always closes it. */
export async function withClient<T>(settings: Settings, use: (client: pg.Client) => Promise<T>): Promise<T> {
  return usingClient(await connect(settings), use);
}
