import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServe, type Serving } from '@backflow/runner';
import { ManualClock } from '../support/manual-clock.js';
import {
  createTestDatabase,
  MODEL_COLUMNS,
  seedModelTable,
  tableRows,
  type TestDatabase,
} from '../support/postgres.js';
import { startServeProcess, watchRun, type ServeProcess } from '../support/serve-process.js';
import { tempWorkspace } from '../support/workspace.js';

// `runner serve` over a real sync (Postgres model → destination-postgres) that the test holds
// at row 300: the model's rows past 300 wait on an advisory lock the test owns, so "a run
// under way" is a state the test controls, not a race.

const TOKEN = 'serve-pg-token';
const GATE = 4242;
const ROWS = 1000;

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let target: TestDatabase;
/** The session holding the gate: its own client, so no pool closes it while idle. */
let gate: pg.Client | undefined;
const servers: Serving[] = [];

beforeEach(async () => {
  ws = await tempWorkspace('backflow-serve-pg-');
  [source, target] = await Promise.all([createTestDatabase('serve_src'), createTestDatabase('serve_dst')]);
  await seedModelTable(source, ROWS);
  await source.sql(`
    CREATE FUNCTION gate(id int) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      IF id > 300 THEN PERFORM pg_advisory_lock_shared(${GATE}); PERFORM pg_advisory_unlock_shared(${GATE}); END IF;
      RETURN true;
    END $$`);
  gate = new pg.Client({ connectionString: source.url });
  await gate.connect();
  await gate.query(`SELECT pg_advisory_lock(${GATE})`);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await openGate();
  await Promise.all([source.drop(), target.drop()]);
  await ws.cleanup();
});

async function openGate() {
  const holder = gate;
  gate = undefined;
  await holder?.end();
}

function gatedConnection(extra: object = {}) {
  return ws.connection('customers', {
    source: {
      connector: 'source-postgres',
      config: {
        ...source.config,
        tables: [],
        models: [
          {
            name: 'customers',
            sql: `select ${MODEL_COLUMNS.join(', ')} from customers where gate(id)`,
            primary_key: ['id'],
          },
        ],
        fetch_size: 50,
      },
    },
    destination: { connector: 'destination-postgres', config: { ...target.config, schema: 'crm' } },
    streams: [{ name: 'customers' }],
    checkpoint_every: 100,
    state: ws.path('state'),
    ...extra,
  });
}

interface Run {
  id: number;
  status: string;
  trigger?: string;
  totals: Record<string, number>;
}

async function api(base: string, method: string, path: string, body?: object) {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  // The API's answers are checked against its OpenAPI document in serve-api.test.ts; here they are read loosely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

describe('runner serve over Postgres', () => {
  it('never runs a connection twice at once: a second start is refused, a slot during the run is caught up once', async () => {
    const file = await gatedConnection({ schedule: { cron: '0 * * * *' } });
    const slot = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000;
    const clock = new ManualClock(slot - 60_000);
    const serving = await startServe({
      paths: [file],
      port: 0,
      token: TOKEN,
      clock,
      log: () => undefined,
    });
    servers.push(serving);

    const started = await api(serving.url, 'POST', '/api/connections/customers/runs', {});
    expect(started).toMatchObject({ status: 202, body: { id: 1, status: 'running', trigger: 'api' } });
    const refused = await api(serving.url, 'POST', '/api/connections/customers/runs', {});
    expect(refused).toMatchObject({ status: 409, body: { run: 1, error: 'customers is already running (run 1)' } });
    clock.advanceTo(slot);
    expect(serving.context.runs.current('customers')?.run).toBe(1);
    expect((await api(serving.url, 'GET', '/api/connections/customers/runs')).body.runs).toHaveLength(1);

    await openGate();
    await serving.context.runs.idle();
    clock.advanceTo(clock.now()); // the catch-up is due at once
    expect(serving.context.runs.current('customers')?.trigger).toBe('schedule');
    await serving.context.runs.idle();
    clock.advanceTo(slot + 3_600_000 - 1);
    const runs: Run[] = (await api(serving.url, 'GET', '/api/connections/customers/runs')).body.runs;
    expect(runs.map((r) => [r.id, r.status])).toEqual([
      [2, 'succeeded'],
      [1, 'succeeded'],
    ]);
    expect(runs[1]!.totals).toMatchObject({ read: ROWS, added: ROWS, sent: ROWS, committed: ROWS });
    expect(runs[0]!.totals).toMatchObject({ read: ROWS, unchanged: ROWS, sent: 0 });
    expect(await tableRows(target, '"crm"."customers"')).toEqual(await tableRows(source, 'customers'));
  }, 180_000);

  it('SIGTERM during a run commits what was sent and stops serve (exit 130); the next run completes it: nothing lost, nothing twice', async () => {
    const file = await gatedConnection();
    const serve = await startServeProcess([file], ws.dir, TOKEN);
    const started = await api(serve.url, 'POST', '/api/connections/customers/runs', {});
    expect(started.status).toBe(202);
    const held = await watchRun<Run>(
      `${serve.url}${started.body.links.events}`,
      (run) => run.totals['committed']! >= 100,
    );
    expect(held.status).toBe('running');

    // The source is held at the gate, waiting for its next row: the stop must not wait for it.
    serve.process.kill('SIGTERM');
    const exited = await serve.process;
    expect(exited.exitCode).toBe(130);
    expect(serve.log()).toMatch(/SIGTERM: stopping/);
    expect(serve.log()).not.toMatch(/stop deadline/);
    expect(serve.log()).toMatch(/customers: run 1 \(api\) interrupted, exit 130/);
    // The table holds exactly what was committed: a prefix of the model.
    const copied = await tableRows(target, '"crm"."customers"');
    expect(copied.length).toBeGreaterThanOrEqual(held.totals['committed']!);
    expect(copied.length).toBeLessThan(ROWS);
    expect(copied).toEqual((await tableRows(source, 'customers')).slice(0, copied.length));

    await openGate();
    const again = await startServe({ paths: [file], port: 0, token: TOKEN, log: () => undefined });
    servers.push(again);
    const interrupted = await api(again.url, 'GET', '/api/connections/customers/runs/1');
    expect(interrupted.body).toMatchObject({ status: 'interrupted', exit_code: 130 });
    expect(interrupted.body.totals.committed).toBe(copied.length);
    // The last checkpoint was taken on the stop: every record sent was committed.
    expect(interrupted.body.totals.committed).toBe(interrupted.body.totals.sent);
    expect((await api(again.url, 'POST', '/api/connections/customers/runs', {})).status).toBe(202);
    await again.context.runs.idle();
    const rerun = await api(again.url, 'GET', '/api/connections/customers/runs/2');
    expect(rerun.body).toMatchObject({ status: 'succeeded', exit_code: 0 });
    const rest = ROWS - copied.length;
    expect(rerun.body.totals).toMatchObject({
      read: ROWS,
      unchanged: copied.length,
      added: rest,
      sent: rest,
      committed: rest,
    });
    expect(await tableRows(target, '"crm"."customers"')).toEqual(await tableRows(source, 'customers'));
  }, 180_000);

  it('two serve processes sharing a Postgres store never run one connection twice', async () => {
    const state = await createTestDatabase('serve_state');
    let other: ServeProcess | undefined;
    try {
      // Never run, on an interval: the serve process starts it as soon as it serves.
      const file = await gatedConnection({ state: state.url, schedule: { every: '1h' } });
      other = await startServeProcess([file], ws.dir, TOKEN);
      const connection = async (url: string) => (await api(url, 'GET', '/api/connections/customers')).body;
      await expect
        .poll(async () => (await connection(other!.url)).last_run?.status, { timeout: 60_000 })
        .toBe('running');
      const run1 = (await connection(other.url)).last_run as Run & { started_at: string };

      // This test process serves the same connections from the same store, on a clock it moves.
      const log: string[] = [];
      const clock = new ManualClock(Date.now());
      const here = await startServe({ paths: [file], port: 0, token: TOKEN, clock, log: (line) => log.push(line) });
      servers.push(here);
      const slot = Date.parse(run1.started_at) + 3_600_000;
      expect((await connection(here.url)).next_run_at).toBe(new Date(slot).toISOString());
      expect(await connection(here.url)).toMatchObject({
        running: true,
        locked_by: { run: 1, pid: other.process.pid },
        last_run: { id: 1, status: 'running' },
      });
      clock.advanceTo(slot);
      await expect.poll(() => log.join('\n')).toMatch(/customers: scheduled run left to another process/);
      const refused = await api(here.url, 'POST', '/api/connections/customers/runs', {});
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatch(
        new RegExp(`"customers" is already running \\(run 1, pid ${other.process.pid}, host .+, since .+\\)`),
      );

      await openGate();
      // Followed from this process, which reads the other's run from the store.
      const done = await watchRun<Run>(
        `${here.url}/api/connections/customers/runs/1/events`,
        (run) => run.status !== 'running',
      );
      expect(done).toMatchObject({ status: 'succeeded', totals: { read: ROWS, sent: ROWS, committed: ROWS } });
      const runs: Run[] = (await api(here.url, 'GET', '/api/connections/customers/runs')).body.runs;
      expect(runs.map((r) => [r.id, r.status])).toEqual([[1, 'succeeded']]);
      expect(here.context.runs.current('customers')).toBeUndefined();
      expect(await tableRows(target, '"crm"."customers"')).toEqual(await tableRows(source, 'customers'));
    } finally {
      other?.process.kill('SIGTERM');
      expect((await other?.process)?.exitCode).toBe(130);
      await Promise.all(servers.splice(0).map((s) => s.close()));
      await state.drop();
    }
  }, 240_000);
});
