import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook/index.js';
import { startFailingProxy } from '../support/failing-proxy.js';
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

// Postgres model → destination-webhook → the webhook receiver fake, through the runner.

interface Delivered {
  operation: 'upsert' | 'delete';
  key: { id: number };
  data: ModelRow;
}

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let receiver: WebhookReceiver;

beforeEach(async () => {
  ws = await tempWorkspace();
  source = await createTestDatabase('e2e_hook_src');
  receiver = await startWebhookReceiver({ secret: 'whsec-e2e' });
});
afterEach(async () => {
  await Promise.all([source.drop(), ws.cleanup(), receiver.close()]);
});

function connection(stream: object = {}, destination: object = {}, extra: object = {}) {
  return {
    name: 'customers-to-webhook',
    source: modelSource(source),
    destination: {
      connector: 'destination-webhook',
      config: { url: receiver.url, signing_secret: 'whsec-e2e', max_retries: 0, ...destination },
    },
    streams: [{ name: 'customers', behaviour: 'mirror', ...stream }],
    state: ws.path('state'),
    ...extra,
  };
}

const run = async (stream?: object, destination?: object, extra?: object) =>
  sync(await ws.connection('c', connection(stream, destination, extra)));
const model = () => tableRows(source, 'customers');
const delivered = () => receiver.accepted() as Delivered[];

/**
 * What an endpoint applying the deliveries in order holds, starting from rows it had before
 * (another tool's), ordered by id.
 */
function endpointRows(before: ModelRow[] = []): ModelRow[] {
  const rows = new Map(before.map((row) => [row.id, row]));
  for (const record of delivered()) {
    if (record.operation === 'delete') rows.delete(record.key.id);
    else rows.set(record.key.id, record.data);
  }
  return [...rows.values()].sort((a, b) => a.id - b.id);
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

describe('destination-webhook end to end', () => {
  it('the endpoint holds the model after the first run, after updates and after deletes; other keys are never deleted', async () => {
    await seedModelTable(source, 1200);
    const others = [foreign(900_001), foreign(900_002)];

    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['customers']).toMatchObject({ read: 1200, added: 1200, sent: 1200, committed: 1200 });
    expect(endpointRows(others)).toEqual([...(await model()), ...others]);
    // Signed batches of at most batch_size (100) records, every one accepted.
    expect(receiver.calls.byStatus()).toEqual({ 200: 12 });

    await source.sql(`UPDATE customers SET plan = 'enterprise', score = score + 1000 WHERE id % 40 = 0`); // 30 rows
    await insertModelRows(source, 1201, 1210);
    const before = delivered().length;
    const updated = await run();
    expect(updated.exitCode).toBe(EXIT_CODES.success);
    expect(updated.streams['customers']).toMatchObject({ added: 10, changed: 30, unchanged: 1170, sent: 40 });
    expect(
      delivered()
        .slice(before)
        .every((r) => r.operation === 'upsert'),
    ).toBe(true);
    expect(endpointRows(others)).toEqual([...(await model()), ...others]);

    await source.sql(`DELETE FROM customers WHERE id % 25 = 0 OR id > 1205`); // 48 + 5 rows
    const deleted = await run();
    expect(deleted.exitCode).toBe(EXIT_CODES.success);
    expect(deleted.streams['customers']).toMatchObject({ read: 1157, removed: 53, sent: 53, committed: 53 });
    const deletes = delivered().filter((r) => r.operation === 'delete');
    expect(deletes).toHaveLength(53);
    expect(deletes.every((r) => r.key.id <= 1210)).toBe(true);
    expect(endpointRows(others)).toEqual([...(await model()), ...others]);

    const calls = receiver.calls.total;
    const unchanged = await run();
    expect(unchanged.streams['customers']).toMatchObject({ read: 1157, unchanged: 1157, sent: 0, removed: 0 });
    expect(receiver.calls.total).toBe(calls);
  });

  it('an endpoint going down mid-run fails the sync at its last commit; the rerun sends the rest, nothing twice', async () => {
    await seedModelTable(source, 1000);
    // Two batches (two commits of 100 records) get through, then every request answers 503.
    const proxy = await startFailingProxy(receiver.url, { after: 2 });
    try {
      const crashed = await run({}, { url: proxy.url }, { checkpoint_every: 100 });
      expect(crashed.status).toBe('failed');
      expect(crashed.exitCode).toBe(EXIT_CODES.failed);
      expect(crashed.error?.message).toMatch(/destination-webhook.*503/s);
      expect(crashed.streams['customers']).toMatchObject({ committed: 200, removed: 0 });
      expect(proxy.failed).toBe(1);
    } finally {
      await proxy.close();
    }
    expect(delivered()).toHaveLength(200);

    const rerun = await run({}, {}, { checkpoint_every: 100 });
    expect(rerun.exitCode).toBe(EXIT_CODES.success);
    expect(rerun.streams['customers']).toMatchObject({ read: 1000, unchanged: 200, added: 800, sent: 800 });
    const ids = delivered().map((r) => r.key.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(endpointRows()).toEqual(await model());
  });

  it('records the endpoint refuses are rejected with its reason while the rest are delivered', async () => {
    await seedModelTable(source, 300);
    await source.sql(`UPDATE customers SET email = 'blocked' || id || '@spam.example' WHERE id IN (42, 199)`);
    receiver.rejectWhen({
      status: 422,
      when: (record) => (record as Delivered).data.email?.endsWith('@spam.example') ?? false,
      reason: (record) => `address ${(record as Delivered).data.email} is on the block list`,
    });

    const first = await run();
    expect(first.exitCode).toBe(EXIT_CODES.rejected);
    expect(first.streams['customers']).toMatchObject({ read: 300, sent: 300, committed: 298, rejected: 2 });
    expect(first.rejections).toEqual([
      expect.objectContaining({
        stream: 'customers',
        key: { id: 42 },
        reason: expect.stringContaining('address blocked42@spam.example is on the block list'),
        retryable: false,
      }),
      expect.objectContaining({
        stream: 'customers',
        key: { id: 199 },
        reason: expect.stringContaining('address blocked199@spam.example is on the block list'),
        retryable: false,
      }),
    ]);
    expect(endpointRows()).toEqual((await model()).filter((row) => ![42, 199].includes(row.id)));
    // Each accepted record arrived once, however often its batch was split.
    expect(delivered()).toHaveLength(298);
  });
});
