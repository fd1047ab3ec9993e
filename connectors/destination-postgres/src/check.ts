import { ConfigError, type CheckResult } from '@backflow/protocol/connector';
import { withClient } from './connection.js';
import { toConnectorError } from './errors.js';
import type { Settings } from './settings.js';

/** Connects and checks that the role may create tables in the target schema (or create the schema). */
export async function checkConnection(settings: Settings): Promise<CheckResult> {
  return withClient(settings, async (client) => {
    let row;
    try {
      ({
        rows: [row],
      } = await client.query<{ exists: boolean; can_create: boolean; can_create_schema: boolean; can_temp: boolean }>(
        `SELECT s.oid IS NOT NULL AS exists,
                s.oid IS NOT NULL AND has_schema_privilege(s.oid, 'CREATE') AS can_create,
                has_database_privilege(current_database(), 'CREATE') AS can_create_schema,
                has_database_privilege(current_database(), 'TEMPORARY') AS can_temp
           FROM (SELECT $1::text AS name) wanted LEFT JOIN pg_namespace s ON s.nspname = wanted.name`,
        [settings.schema],
      ));
    } catch (error) {
      throw toConnectorError(error, settings.target, 'checking privileges');
    }
    const at = `Postgres at ${settings.target}`;
    if (!row!.can_temp)
      throw new ConfigError(
        `${at}: the role may not create temporary tables, which staging needs (GRANT TEMPORARY ON DATABASE)`,
      );
    if (!row!.exists && !row!.can_create_schema) {
      throw new ConfigError(`${at}: schema "${settings.schema}" does not exist and the role may not create it`);
    }
    const note =
      row!.exists && !row!.can_create
        ? ` (the role cannot create tables in "${settings.schema}": existing tables only)`
        : '';
    return { ok: true, message: `connected to ${at}${note}` };
  });
}
