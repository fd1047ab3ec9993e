import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AirbyteMessage } from '@backflow/protocol';
import { runInProcess } from '@backflow/protocol/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destination } from '../src/index.js';
import { openPostgresWriter } from '../src/open-writer.js';
import { resolveSettings } from '../src/settings.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { catalogOf, configuredStream, record, state } from './messages.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '..', '..');

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  execFileSync('npx', ['tsc', '-b', 'connectors/destination-postgres'], { cwd: repoRoot, stdio: 'inherit' });
  db = await createTestDatabase('dest_pg_tx');
  dir = await mkdtemp(join(tmpdir(), 'destination-postgres-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const properties = { id: { type: 'integer' }, name: { type: 'string' } };
const people = (table: string) => configuredStream(table, properties, 'upsert', { matching_keys: [['id']] });
const person = (table: string, id: number) => record(table, { id, name: `person ${id}` });

async function ids(table: string): Promise<number[]> {
  const { rows } = await db.client.query<{ id: string }>(`SELECT id FROM public."${table}" ORDER BY id`);
  return rows.map((row) => Number(row.id));
}

/** Polls until `condition` holds: the connector runs in another process and gives no signal. */
async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('transactions', () => {
  it('makes batches visible only when committed', async () => {
    const catalog = catalogOf(people('visible'));
    const writer = await openPostgresWriter(resolveSettings(db.config), catalog);
    try {
      const records = [1, 2].map((id) => ({ data: { id, name: 'x' }, operation: 'upsert' as const, key: { id } }));
      expect(await writer.write({ stream: catalog.streams[0]!, records })).toEqual({ rejected: [] });
      expect(await ids('visible')).toEqual([]);
      await writer.commit!();
      expect(await ids('visible')).toEqual([1, 2]);
    } finally {
      await writer.close!();
    }
  });

  it('leaves out records after the last STATE', async () => {
    const run = await runInProcess(destination, 'write', {
      config: db.config,
      catalog: catalogOf(people('tail')),
      input: [person('tail', 1), state('tail', 1), person('tail', 2), state('tail', 2), person('tail', 3)],
    });
    expect(run.states).toHaveLength(2);
    expect(await ids('tail')).toEqual([1, 2]);
  });

  it('keeps earlier checkpoints when a later batch fails', async () => {
    const run = await runInProcess(destination, 'write', {
      config: db.config,
      catalog: catalogOf(people('failing')),
      input: [person('failing', 1), state('failing', 1), person('failing', 2), record('unknown', {})],
    });
    expect(run.exitCode).toBe(1);
    expect(await ids('failing')).toEqual([1]);
  });
});

describe('bin/main.js write', () => {
  async function start(table: string, applicationName: string) {
    const config = join(dir, `${table}-config.json`);
    const catalog = join(dir, `${table}-catalog.json`);
    await writeFile(config, JSON.stringify({ ...db.config, application_name: applicationName }));
    await writeFile(catalog, JSON.stringify(catalogOf(people(table))));
    const child = spawn(process.execPath, ['bin/main.js', 'write', '--config', config, '--catalog', catalog], {
      cwd: packageDir,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    // The kill test closes the pipe under our feet on purpose.
    child.stdin.on('error', () => undefined);
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return {
      child,
      send: (messages: AirbyteMessage[]) => child.stdin.write(messages.map((m) => JSON.stringify(m) + '\n').join('')),
      next: async () =>
        JSON.parse(((await lines.next()).value as string | undefined) ?? 'null') as AirbyteMessage | null,
    };
  }

  it('writes records and answers with the STATE after committing them', async () => {
    const { child, send, next } = await start('spawned', 'backflow-test-spawned');
    send([person('spawned', 1), person('spawned', 2), state('spawned', 1)]);
    child.stdin.end();
    expect((await next())?.state?.destinationStats?.recordCount).toBe(2);
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(await ids('spawned')).toEqual([1, 2]);
  });

  it('killed mid-batch, leaves nothing after the last STATE visible', async () => {
    const applicationName = 'backflow-test-killed';
    const { child, send, next } = await start('killed', applicationName);
    send([person('killed', 0), state('killed', 1)]);
    expect((await next())?.type).toBe('STATE');
    // More than one batch (max_batch_size 5000), so at least one is written but not committed.
    send(Array.from({ length: 6000 }, (_, i) => person('killed', i + 1)));
    await waitFor(async () => {
      const { rows } = await db.client.query(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle in transaction' AND backend_xid IS NOT NULL`,
        [applicationName],
      );
      return rows.length > 0;
    }, 'an uncommitted batch');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await ids('killed')).toEqual([0]);
    await waitFor(async () => {
      const { rows } = await db.client.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [
        applicationName,
      ]);
      return rows.length === 0;
    }, 'the killed session to end');
    expect(await ids('killed')).toEqual([0]);
  });
});
