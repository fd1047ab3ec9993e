import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { EXIT_CODES, PostgresStore, plan, sync } from '@backflow/runner';
import { createTestDatabase, modelSource, seedModelTable, tableRows, type TestDatabase } from '../support/postgres.js';
import { RUNNER_BIN, tempWorkspace } from '../support/workspace.js';

// A stream given a new destination object is sent there in full: its fingerprints belong to
// the object they were delivered to. The old object is left as it is, even under mirror.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let target: TestDatabase;

beforeEach(async () => {
  ws = await tempWorkspace();
  [source, target] = await Promise.all([createTestDatabase('e2e_tgt_src'), createTestDatabase('e2e_tgt_dst')]);
});
afterEach(async () => {
  await Promise.all([source.drop(), target.drop(), ws.cleanup()]);
});

const STORES = {
  embedded: () => ws.path('state'),
  postgres: () => target.url,
};

describe.each(Object.keys(STORES) as (keyof typeof STORES)[])('a new destination object (%s store)', (store) => {
  const connection = (object: string) => ({
    name: 'customers-to-postgres',
    source: modelSource(source),
    destination: { connector: 'destination-postgres', config: { ...target.config, schema: 'crm' } },
    streams: [{ name: 'customers', behaviour: 'mirror', destination: object }],
    state: STORES[store](),
  });
  const rows = (table: string) => tableRows(target, `"crm"."${table}"`);

  it('is planned as a target change, then filled in full; the old table is untouched', async () => {
    await seedModelTable(source, 300);
    const first = await sync(await ws.connection('c', connection('customers_a')));
    expect(first.exitCode).toBe(EXIT_CODES.success);
    const tableA = await rows('customers_a');
    expect(tableA).toHaveLength(300);

    // Rows leave the model as the stream moves: mirror deletes them from neither table.
    await source.sql('DELETE FROM customers WHERE id % 10 = 0');
    const file = await ws.connection('c', connection('customers_b'));
    const planned = await plan(file);
    expect(planned.streams['customers']).toMatchObject({
      targetChanged: {
        from: expect.stringMatching(/^customers_a \(stream /),
        to: expect.stringMatching(/^customers_b /),
      },
      creates: 270,
      updates: 0,
      deletes: 0,
    });
    if (store === 'embedded') {
      const text = await execa(process.execPath, [RUNNER_BIN, 'plan', file], { reject: false });
      expect(text.stdout).toMatch(
        /target changed: customers_a \(stream [^)]*\) → customers_b \(stream [^)]*\), full send/,
      );
    }

    const moved = await sync(file);
    expect(moved.exitCode).toBe(EXIT_CODES.success);
    expect(moved.streams['customers']).toMatchObject({ read: 270, added: 270, removed: 0, sent: 270, committed: 270 });
    expect(await rows('customers_b')).toEqual(await tableRows(source, 'customers'));
    expect(await rows('customers_a')).toEqual(tableA);

    const again = await sync(file);
    expect(again.streams['customers']).toMatchObject({ read: 270, unchanged: 270, sent: 0 });
    const replanned = await plan(file);
    expect(replanned.streams['customers']!.targetChanged).toBeUndefined();
  });
});

describe('the Postgres store before targets were kept', () => {
  it('gains the targets table, with no target for its streams', async () => {
    const open = async () => {
      const store = new PostgresStore(target.url);
      const session = await store.openPlan('c');
      const targets = await session.targets();
      await session.close();
      await store.close();
      return targets;
    };
    await open();
    await target.sql('DROP TABLE backflow.targets');
    expect(await open()).toEqual(new Map());
  });
});
