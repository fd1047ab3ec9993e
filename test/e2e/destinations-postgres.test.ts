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
import { tempWorkspace } from '../support/workspace.js';

// Postgres model → destination-postgres, through the runner and both built connectors.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let target: TestDatabase;

beforeEach(async () => {
  ws = await tempWorkspace();
  [source, target] = await Promise.all([createTestDatabase('e2e_pg_src'), createTestDatabase('e2e_pg_dst')]);
});
afterEach(async () => {
  await Promise.all([source.drop(), target.drop(), ws.cleanup()]);
});

const TABLE = '"crm"."customers"';

function connection(stream: object = {}, extra: object = {}) {
  return {
    name: 'customers-to-postgres',
    source: modelSource(source),
    destination: { connector: 'destination-postgres', config: { ...target.config, schema: 'crm' } },
    streams: [{ name: 'customers', behaviour: 'mirror', ...stream }],
    state: ws.path('state'),
    ...extra,
  };
}

const run = async (stream: object = {}, extra: object = {}) =>
  sync(await ws.connection('c', connection(stream, extra)));
const model = () => tableRows(source, 'customers');
const copied = () => tableRows(target, TABLE);

/** A row as another tool would have written it, with an id the model never uses. */
const foreign = (id: number): ModelRow => ({
  id,
  email: `other${id}@tool.example`,
  first_name: 'Other',
  last_name: 'Tool',
  plan: 'legacy',
  score: '1.00',
  signed_up: '2020-01-01',
});

describe('destination-postgres end to end', () => {
  it('the table equals the model after the first run, after updates and after deletes; rows of other tools stay', async () => {
    await seedModelTable(source, 1200);

    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['customers']).toMatchObject({ read: 1200, added: 1200, sent: 1200, committed: 1200 });
    expect(await copied()).toEqual(await model());

    // Another tool writes rows of its own into the same table.
    const others = [foreign(900_001), foreign(900_002)];
    for (const row of others) {
      await target.sql(`INSERT INTO ${TABLE} VALUES ($1, $2, $3, $4, $5, $6, $7)`, Object.values(row));
    }

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

  it('a destination killed mid-run leaves the table at its last commit; the rerun completes it without duplicates', async () => {
    await seedModelTable(source, 1000);
    await createTable();
    // The 251st row written kills the destination's session; commits every 100 records.
    await killSessionAt('INSERT', 251);

    const crashed = await run({}, { checkpoint_every: 100 });
    expect(crashed.status).toBe('failed');
    expect(crashed.exitCode).toBe(EXIT_CODES.failed);
    expect(crashed.error?.message).toMatch(/destination-postgres.*(lost the connection|terminating connection)/s);
    expect(crashed.streams['customers']).toMatchObject({ committed: 200, removed: 0 });
    expect(await copied()).toEqual((await model()).slice(0, 200));

    await target.sql(`DROP TRIGGER die ON ${TABLE}`);
    const rerun = await run({}, { checkpoint_every: 100 });
    expect(rerun.exitCode).toBe(EXIT_CODES.success);
    expect(rerun.streams['customers']).toMatchObject({
      read: 1000,
      unchanged: 200,
      added: 800,
      sent: 800,
      committed: 800,
    });
    expect(await copied()).toEqual(await model());
  });

  it('a destination killed while applying mirror deletes keeps its committed deletes; the rerun sends the rest', async () => {
    await seedModelTable(source, 1000);
    expect((await run({}, { checkpoint_every: 100 })).exitCode).toBe(EXIT_CODES.success);
    await source.sql(`DELETE FROM customers WHERE id % 3 = 0`); // 333 rows
    // The 151st row deleted kills the destination's session: 100 deletes are committed by then.
    await killSessionAt('DELETE', 151);

    const crashed = await run({}, { checkpoint_every: 100 });
    expect(crashed.status).toBe('failed');
    expect(crashed.error?.message).toMatch(/destination-postgres.*(lost the connection|terminating connection)/s);
    expect(crashed.streams['customers']).toMatchObject({ read: 667, unchanged: 667, committed: 100 });
    expect(await copied()).toHaveLength(900);

    await target.sql(`DROP TRIGGER die ON ${TABLE}`);
    const rerun = await run({}, { checkpoint_every: 100 });
    expect(rerun.exitCode).toBe(EXIT_CODES.success);
    expect(rerun.streams['customers']).toMatchObject({ read: 667, unchanged: 667, removed: 233, sent: 233 });
    expect(await copied()).toEqual(await model());
  });

  it('rows Postgres refuses are rejected with its reason while the rest land, and sent again once fixed', async () => {
    await seedModelTable(source, 500);
    await source.sql(`UPDATE customers SET score = -score WHERE id IN (7, 123, 450)`);
    await createTable(`CHECK (score >= 0)`);

    const first = await run();
    expect(first.exitCode).toBe(EXIT_CODES.rejected);
    expect(first.streams['customers']).toMatchObject({ read: 500, sent: 500, committed: 497, rejected: 3 });
    expect(first.rejections.map((r) => r.key)).toEqual([{ id: 7 }, { id: 123 }, { id: 450 }]);
    for (const rejection of first.rejections) {
      expect(rejection).toMatchObject({ stream: 'customers', retryable: false });
      expect(rejection.reason).toMatch(/violates check constraint "customers_score_check"/);
    }
    expect(await copied()).toEqual((await model()).filter((row) => ![7, 123, 450].includes(row.id)));

    await source.sql(`UPDATE customers SET score = -score WHERE id IN (7, 123, 450)`);
    const fixed = await run();
    expect(fixed.exitCode).toBe(EXIT_CODES.success);
    expect(fixed.streams['customers']).toMatchObject({ sent: 3, committed: 3, rejected: 0 });
    expect(await copied()).toEqual(await model());
  });
});

/** Creates the destination table ahead of the sync, as a DBA would, with extra table constraints. */
async function createTable(constraints = '') {
  await target.sql(`CREATE SCHEMA crm`);
  await target.sql(`
    CREATE TABLE ${TABLE} (
      id bigint PRIMARY KEY, email text, first_name text, last_name text, plan text, score numeric, signed_up date
      ${constraints ? `, ${constraints}` : ''}
    )`);
}

/**
 * Makes the `nth` row the destination inserts (or deletes) in the table terminate its own
 * session, as a crash or a lost connection would: a point in the run chosen by row, not time.
 * The count is a sequence, so rolled-back work still counts. Drop trigger `die` to stop it.
 */
async function killSessionAt(event: 'INSERT' | 'DELETE', nth: number) {
  await target.sql(`CREATE SEQUENCE crm.rows_touched`);
  await target.sql(`
    CREATE FUNCTION crm.die() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('crm.rows_touched') = ${nth} THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
      RETURN COALESCE(NEW, OLD);
    END $$`);
  await target.sql(`CREATE TRIGGER die BEFORE ${event} ON ${TABLE} FOR EACH ROW EXECUTE FUNCTION crm.die()`);
}
