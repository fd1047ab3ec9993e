import { appendFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import {
  createTestDatabase,
  insertModelRows,
  modelSource,
  seedModelTable,
  tableRows,
  type ModelRow,
  type TestDatabase,
} from '../support/postgres.js';
import { REPO_ROOT, tempWorkspace } from '../support/workspace.js';

// Postgres model → destination-file (JSON Lines), through the runner and both built connectors.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;

beforeEach(async () => {
  ws = await tempWorkspace();
  source = await createTestDatabase('e2e_file_src');
});
afterEach(async () => {
  await Promise.all([source.drop(), ws.cleanup()]);
});

const DESTINATION_BIN = join(REPO_ROOT, 'connectors', 'destination-file', 'bin', 'main.js');

function connection(stream: object = {}, destination: object = { connector: 'destination-file' }, extra: object = {}) {
  return {
    name: 'customers-to-file',
    source: modelSource(source),
    destination: { ...destination, config: { directory: ws.path('out'), format: 'jsonl' } },
    streams: [{ name: 'customers', behaviour: 'mirror', ...stream }],
    state: ws.path('state'),
    ...extra,
  };
}

const run = async (stream?: object, destination?: object, extra?: object) =>
  sync(await ws.connection('c', connection(stream, destination, extra)));
const model = () => tableRows(source, 'customers');
const FILE = () => ws.path('out/customers.jsonl');

/** The file's rows ordered by id (rows the sync adds go to the end of the file). */
async function copied(): Promise<ModelRow[]> {
  const text = await readFile(FILE(), 'utf8').catch(() => '');
  const rows = text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ModelRow);
  return rows.sort((a, b) => a.id - b.id);
}

const foreign = (id: number): ModelRow => ({
  id,
  email: `other${id}@tool.example`,
  first_name: 'Other',
  last_name: 'Tool',
  plan: 'legacy',
  score: '1.00',
  signed_up: '2020-01-01',
});

describe('destination-file end to end', () => {
  it('the file equals the model after the first run, after updates and after deletes; rows of other tools stay', async () => {
    await seedModelTable(source, 1200);

    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['customers']).toMatchObject({ read: 1200, added: 1200, sent: 1200, committed: 1200 });
    expect(await copied()).toEqual(await model());

    // Another tool appends rows of its own to the same file.
    const others = [foreign(900_001), foreign(900_002)];
    await appendFile(FILE(), others.map((row) => `${JSON.stringify(row)}\n`).join(''));

    await source.sql(`UPDATE customers SET plan = 'enterprise', score = score + 1000 WHERE id % 40 = 0`); // 30 rows
    await insertModelRows(source, 1201, 1210);
    const updated = await run();
    expect(updated.exitCode).toBe(EXIT_CODES.success);
    expect(updated.streams['customers']).toMatchObject({
      read: 1210,
      added: 10,
      changed: 30,
      unchanged: 1170,
      removed: 0,
      sent: 40,
      committed: 40,
    });
    expect(await copied()).toEqual([...(await model()), ...others]);

    await source.sql(`DELETE FROM customers WHERE id % 25 = 0 OR id > 1205`); // 48 + 5 rows
    const deleted = await run();
    expect(deleted.exitCode).toBe(EXIT_CODES.success);
    expect(deleted.streams['customers']).toMatchObject({ read: 1157, removed: 53, sent: 53, committed: 53 });
    expect(await copied()).toEqual([...(await model()), ...others]);

    const unchanged = await run();
    expect(unchanged.streams['customers']).toMatchObject({ read: 1157, unchanged: 1157, sent: 0, removed: 0 });
    expect(await copied()).toEqual([...(await model()), ...others]);
  });

  it('a destination killed mid-run leaves the file at a commit; the rerun sends the rest and nothing twice', async () => {
    await seedModelTable(source, 1000);
    // Killed right after its second commit (commits every 100 records).
    const killer = {
      command: `node ${join(REPO_ROOT, 'test', 'support', 'crash-after.mjs')} 2 node ${DESTINATION_BIN}`,
    };

    const crashed = await run({}, killer, { checkpoint_every: 100 });
    expect(crashed.status).toBe('failed');
    expect(crashed.error?.message).toMatch(/crash-after.*exited with code 137/);
    expect(crashed.streams['customers']).toMatchObject({ committed: 200, removed: 0 });
    const afterCrash = await copied();
    expect(afterCrash).toHaveLength(200);
    expect(afterCrash).toEqual((await model()).filter((row) => afterCrash.some((r) => r.id === row.id)));

    const rerun = await run({}, undefined, { checkpoint_every: 100 });
    expect(rerun.exitCode).toBe(EXIT_CODES.success);
    expect(rerun.streams['customers']).toMatchObject({ read: 1000, unchanged: 200, added: 800, sent: 800 });
    expect(await copied()).toEqual(await model());
    // The killed run's temporary file is gone.
    expect(await readdir(ws.path('out'))).toEqual(['customers.jsonl']);
  });

  it('records whose matching key is empty are rejected naming the field while the rest land', async () => {
    await seedModelTable(source, 300);
    await source.sql(`UPDATE customers SET email = NULL WHERE id IN (5, 150)`);

    const first = await run({ behaviour: 'upsert', matching_keys: ['email'] });
    expect(first.exitCode).toBe(EXIT_CODES.rejected);
    expect(first.streams['customers']).toMatchObject({ read: 300, sent: 300, committed: 298, rejected: 2 });
    expect(first.rejections.map((r) => r.key)).toEqual([{ email: null }, { email: null }]);
    for (const rejection of first.rejections) expect(rejection.reason).toMatch(/email/);
    expect(await copied()).toEqual((await model()).filter((row) => row.email !== null));

    await source.sql(`UPDATE customers SET email = 'fixed' || id || '@example.com' WHERE email IS NULL`);
    const fixed = await run({ behaviour: 'upsert', matching_keys: ['email'] });
    expect(fixed.exitCode).toBe(EXIT_CODES.success);
    expect(fixed.streams['customers']).toMatchObject({ sent: 2, committed: 2, rejected: 0 });
    expect(await copied()).toEqual(await model());
  });
});
