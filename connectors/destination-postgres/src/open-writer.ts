import type pg from 'pg';
import type { ConfiguredAirbyteCatalog } from '@backflow/protocol';
import {
  BatchRejectedError,
  ConfigError,
  InternalError,
  streamKey,
  type DestinationWriter,
} from '@backflow/protocol/connector';
import { planStream } from './behaviour.js';
import { connect } from './connection.js';
import { dataErrorMessage, isDataError, isRetryableDataError, toConnectorError } from './errors.js';
import type { Settings } from './settings.js';
import { StreamTable } from './stream-table.js';
import { prepareTable } from './table-setup.js';

const SAVEPOINT = 'backflow_batch';

/**
 * Opens one session: prepares every stream's table (creating or checking it) and staging
 * table, then writes each checkpoint's batches in one transaction, begun at the first write
 * after a commit and committed in `commit()`, so a crash leaves exactly the last checkpoint.
 * Each batch runs under a savepoint: when Postgres refuses its data (a bad value, a violated
 * constraint), the batch is rolled back alone and handed back as a BatchRejectedError, and
 * the SDK splits it until the bad rows stand alone.
 */
export async function openPostgresWriter(
  settings: Settings,
  catalog: ConfiguredAirbyteCatalog,
): Promise<DestinationWriter> {
  const client = await connect(settings);
  let inTransaction = false;
  const run = async <T>(subject: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw toConnectorError(error, settings.target, subject);
    }
  };
  try {
    const tables = new Map<string, StreamTable>();
    const targets = new Map<string, string>();
    for (const [index, configured] of catalog.streams.entries()) {
      const name = streamKey(configured.stream);
      const plan = planStream(configured);
      const target = await run(`preparing the table of stream "${name}"`, () =>
        prepareTable(client, settings.schema, configured, plan),
      );
      const other = targets.get(target.name);
      if (other !== undefined)
        throw new ConfigError(`streams "${other}" and "${name}" would both write table ${target.name}`);
      targets.set(target.name, name);
      tables.set(
        name,
        await run(`staging for ${target.name}`, () => StreamTable.create(client, name, target, plan, index)),
      );
    }

    return {
      async write({ stream, records }) {
        const name = streamKey(stream.stream);
        const table = tables.get(name);
        if (!table) throw new InternalError(`batch for stream "${name}", which was not opened`);
        if (!inTransaction) {
          await run('starting a transaction', () => client.query('BEGIN'));
          inTransaction = true;
        }
        await run('setting a savepoint', () => client.query(`SAVEPOINT ${SAVEPOINT}`));
        try {
          const rejected = await table.write(records);
          await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
          return { rejected };
        } catch (error) {
          if (!isDataError(error)) throw toConnectorError(error, settings.target, `writing stream "${name}"`);
          await run('rolling back a refused batch', () =>
            client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}`),
          );
          throw new BatchRejectedError(dataErrorMessage(error), {
            cause: error,
            retryable: isRetryableDataError(error),
          });
        }
      },
      async commit() {
        if (!inTransaction) return;
        await run('committing', () => client.query('COMMIT'));
        inTransaction = false;
      },
      async close() {
        await endSession(client, inTransaction);
      },
    };
  } catch (error) {
    await endSession(client, false);
    throw error;
  }
}

/** Rolls back what no checkpoint covered (closing the connection would too) and disconnects. */
async function endSession(client: pg.Client, inTransaction: boolean): Promise<void> {
  if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
  await client.end().catch(() => undefined);
}
