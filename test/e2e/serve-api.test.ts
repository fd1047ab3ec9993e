import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startServe, type Serving } from '@backflow/runner';
import { startSlackFake, validateSlackCall } from '../fakes/slack/index.js';
import { alertReceiver } from '../support/alert-receiver.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDatabase } from '../support/postgres.js';
import { openApiChecker, type Document } from '../support/openapi-check.js';
import { startServeProcess, watchRun } from '../support/serve-process.js';
import { fixtureCommand, RUNNER_BIN, tempWorkspace } from '../support/workspace.js';

// `runner serve` in this process, over fixture connectors: the trigger API against its
// OpenAPI document, schedules with an injected clock, and alerts into a local receiver.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const servers: Serving[] = [];
const TOKEN = 'serve-test-token';

beforeEach(async () => {
  ws = await tempWorkspace('backflow-serve-');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await ws.cleanup();
});

function counterConnection(name: string, source: object = {}, destination: object = {}, extra: object = {}) {
  return ws.connection(name, {
    source: { command: fixtureCommand('source-counter'), config: { count: 50, ...source } },
    destination: {
      command: fixtureCommand('destination-jsonl'),
      config: { path: ws.path(`${name}.jsonl`), ...destination },
    },
    streams: [{ name: 'items' }],
    state: ws.path('state'),
    ...extra,
  });
}

async function serve(paths: string[], options: { token?: string; clock?: ManualClock } = {}) {
  const serving = await startServe({
    paths,
    port: 0,
    log: () => undefined,
    ...options,
  });
  servers.push(serving);
  return serving;
}

/** Calls the API and checks the exchange against the served OpenAPI document. */
async function client(serving: Serving) {
  const document = (await (await fetch(`${serving.url}/openapi.json`)).json()) as Document & { openapi: string };
  const check = openApiChecker(document);
  return {
    document,
    async call(method: string, path: string, options: { body?: unknown; token?: string } = {}) {
      if (options.body !== undefined && typeof options.body === 'object') check.request(method, path, options.body);
      const response = await fetch(serving.url + path, {
        method,
        headers: {
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        ...(options.body === undefined
          ? {}
          : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
      });
      const type = response.headers.get('content-type') ?? '';
      const text = await response.text();
      const body = type.startsWith('application/json') ? JSON.parse(text) : text;
      check.response(method, path, response.status, type, body);
      return { status: response.status, headers: response.headers, body };
    },
  };
}

describe('runner serve: trigger API', () => {
  it('answers as its OpenAPI document says; only the bearer token starts a run', async () => {
    await counterConnection('items', {}, { reject_ids: [7, 13, 29] });
    await counterConnection('broken', { fail_after: 5 });
    const serving = await serve([ws.dir], { token: TOKEN });
    const { document, call } = await client(serving);
    expect(document.openapi).toBe('3.0.3');

    const list = await call('GET', '/api/connections');
    expect(list.status).toBe(200);
    expect(list.body.connections.map((c: { name: string }) => c.name)).toEqual(['broken', 'items']);
    expect(list.body.connections[1]).toMatchObject({ running: false, streams: ['items'] });
    expect(list.body.connections[1].last_run).toBeUndefined();

    const runs = '/api/connections/items/runs';
    expect((await call('POST', runs, { body: {} })).status).toBe(401);
    const wrong = await call('POST', runs, { body: {}, token: 'guess' });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'wrong token' } });
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const badType = await fetch(serving.url + runs, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: '{"full_resync":"yes"}',
    });
    expect(badType.status).toBe(400);
    expect((await badType.json()).error).toMatch(/full_resync/);
    expect((await call('POST', runs, { body: 'not json', token: TOKEN })).status).toBe(400);
    const unknownStream = await call('POST', runs, { body: { streams: ['orders'] }, token: TOKEN });
    expect(unknownStream).toMatchObject({ status: 400, body: { error: expect.stringMatching(/no stream "orders"/) } });
    const both = await call('POST', runs, { body: { full_resync: true, streams: ['items'] }, token: TOKEN });
    expect(both).toMatchObject({ status: 400, body: { error: expect.stringMatching(/leave out streams/) } });
    expect((await call('POST', '/api/connections/nope/runs', { body: {}, token: TOKEN })).status).toBe(404);

    const started = await call('POST', runs, { body: { streams: ['items'] }, token: TOKEN });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ id: 1, connection: 'items', trigger: 'api' });
    expect(started.headers.get('location')).toBe('/api/connections/items/runs/1');
    await serving.context.runs.idle();

    const run = await call('GET', '/api/connections/items/runs/1');
    expect(run.body).toMatchObject({ status: 'succeeded', exit_code: 3, undelivered_rows: 3 });
    expect(run.body.totals).toMatchObject({ read: 50, sent: 50, committed: 47, rejected: 3 });
    expect(run.body.streams.items).toEqual(run.body.totals);

    const rows = await call('GET', '/api/connections/items/runs/1/rows');
    expect(rows.body.rows.map((r: { key: unknown }) => r.key)).toEqual([{ id: 7 }, { id: 13 }, { id: 29 }]);
    expect(rows.body.rows[0]).toMatchObject({ stream: 'items', kind: 'rejected', reason: 'id 7 is refused' });
    const byValue = await call('GET', '/api/connections/items/runs/1/rows?key=13');
    expect(byValue.body.rows.map((r: { key: unknown }) => r.key)).toEqual([{ id: 13 }]);
    const byField = await call('GET', '/api/connections/items/runs/1/rows?key=id%3D29&kind=rejected');
    expect(byField.body.rows.map((r: { key: unknown }) => r.key)).toEqual([{ id: 29 }]);
    expect((await call('GET', '/api/connections/items/runs/1/rows?kind=invalid')).body.rows).toEqual([]);
    const page = await call('GET', '/api/connections/items/runs/1/rows?limit=2');
    expect(page.body.rows).toHaveLength(2);
    const rest = await call('GET', `/api/connections/items/runs/1/rows?limit=2&after=${page.body.next_after}`);
    expect(rest.body.rows.map((r: { key: unknown }) => r.key)).toEqual([{ id: 29 }]);
    expect(rest.body.next_after).toBeUndefined();

    const csv = await call('GET', '/api/connections/items/runs/1/rows.csv');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="items-run-1-rows.csv"');
    expect(csv.body.trimEnd().split('\n')).toEqual([
      'run,stream,kind,key,reason,retryable,field',
      '1,items,rejected,"{""id"":7}",id 7 is refused,false,',
      '1,items,rejected,"{""id"":13}",id 13 is refused,false,',
      '1,items,rejected,"{""id"":29}",id 29 is refused,false,',
    ]);

    expect((await call('GET', '/api/connections/items/runs/2')).status).toBe(404);
    expect((await call('GET', '/api/connections/items')).body.last_run).toMatchObject({ id: 1, status: 'succeeded' });

    expect((await call('POST', '/api/connections/broken/runs', { token: TOKEN })).status).toBe(202);
    await serving.context.runs.idle();
    const failed = await call('GET', '/api/connections/broken/runs');
    expect(failed.body.runs).toHaveLength(1);
    expect(failed.body.runs[0]).toMatchObject({ status: 'failed', exit_code: 1 });
    expect(failed.body.runs[0].error).toMatch(/failing after 5 records/);
  }, 180_000);

  it('answers 500 with the reason when the run cannot reach its state store', async () => {
    const file = await counterConnection('lost', {}, {}, { state: 'postgres://postgres@127.0.0.1:1/nowhere' });
    const serving = await serve([file], { token: TOKEN });
    const { call } = await client(serving);
    const refused = await call('POST', '/api/connections/lost/runs', { body: {}, token: TOKEN });
    expect(refused.status).toBe(500);
    expect(refused.body.error).toMatch(/^the run could not start: .*ECONNREFUSED|connect/);
    expect(serving.context.runs.current('lost')).toBeUndefined();
    const listed = await call('GET', '/api/connections');
    expect(listed.body.connections[0]).toMatchObject({ name: 'lost', running: false });
    expect(listed.body.connections[0].store_error).toMatch(/ECONNREFUSED|connect/);
  }, 180_000);

  it('is read-only without BACKFLOW_SERVE_TOKEN', async () => {
    await counterConnection('items');
    const serving = await serve([ws.path('items.yaml')]);
    const { call } = await client(serving);
    const refused = await call('POST', '/api/connections/items/runs', { body: {}, token: 'anything' });
    expect(refused).toMatchObject({ status: 403, body: { error: expect.stringMatching(/BACKFLOW_SERVE_TOKEN/) } });
    const page = await fetch(`${serving.url}/connections/items`);
    expect(await page.text()).toMatch(/Read-only: set BACKFLOW_SERVE_TOKEN/);
  }, 180_000);
});

const HOUR = 3_600_000;

describe('runner serve: schedules', () => {
  it('runs a cron connection at its slots (injected clock) and catches up once after downtime', async () => {
    const file = await counterConnection('hourly', { count: 20 }, {}, { schedule: { cron: '0 * * * *' } });
    const firstSlot = Math.ceil(Date.now() / HOUR) * HOUR + HOUR;
    const clock = new ManualClock(firstSlot - HOUR / 2);
    const serving = await serve([file], { clock });
    const { call } = await client(serving);
    const connection = async () => (await call('GET', '/api/connections/hourly')).body;
    const history = async () => (await call('GET', '/api/connections/hourly/runs')).body.runs;

    expect((await connection()).next_run_at).toBe(new Date(firstSlot).toISOString());
    clock.advanceTo(firstSlot - 1);
    expect(serving.context.runs.current('hourly')).toBeUndefined();
    clock.advanceTo(firstSlot);
    expect(serving.context.runs.current('hourly')?.trigger).toBe('schedule');
    await serving.context.runs.idle();
    expect((await connection()).next_run_at).toBe(new Date(firstSlot + HOUR).toISOString());
    clock.advanceTo(firstSlot + HOUR);
    await serving.context.runs.idle();
    expect((await history()).map((r: { status: string }) => r.status)).toEqual(['succeeded', 'succeeded']);
    await serving.close();

    // Five slots pass while nothing serves the connection: one catch-up run, not five.
    const later = new ManualClock(firstSlot + 6 * HOUR + 10 * 60_000);
    const restarted = await serve([file], { clock: later });
    const again = await client(restarted);
    expect((await again.call('GET', '/api/connections/hourly')).body.next_run_at).toBe(
      new Date(later.now()).toISOString(),
    );
    later.advanceTo(later.now());
    await restarted.context.runs.idle();
    later.advanceTo(firstSlot + 7 * HOUR - 1);
    expect(restarted.context.runs.current('hourly')).toBeUndefined();
    const runs = (await again.call('GET', '/api/connections/hourly/runs')).body.runs;
    expect(runs).toHaveLength(3);
    expect((await again.call('GET', '/api/connections/hourly')).body.next_run_at).toBe(
      new Date(firstSlot + 7 * HOUR).toISOString(),
    );
  }, 180_000);

  it('refuses a connection file with a bad schedule, naming the field', async () => {
    const file = await counterConnection('bad', {}, {}, { schedule: { cron: '0 25 * * *' } });
    await expect(serve([file])).rejects.toThrow(/bad\.yaml: \/schedule\/cron "0 25 \* \* \*" is not valid/);
  }, 180_000);
});

describe('runner serve: alerts', () => {
  it('sends one alert per incident to the webhook and Slack, with the run link and first reasons', async () => {
    const receiver = await alertReceiver();
    try {
      const alerts = { webhook_url: receiver.webhookUrl, slack_webhook_url: receiver.slackUrl, late_after: '2h' };
      const file = await counterConnection('flaky', { fail_after: 5 }, {}, { alerts });
      const clock = new ManualClock(Date.now());
      let serving = await serve([file], { token: TOKEN, clock });
      for (let i = 0; i < 2; i++) {
        await serving.context.runs.start(serving.context.connections.get('flaky')!.connection, { trigger: 'api' });
        await serving.context.runs.idle();
      }
      await serving.close();
      expect(receiver.received.map((r) => r.path)).toEqual(['/webhook', '/slack']);
      const failed = receiver.received.find((r) => r.path === '/webhook')!.body as Record<string, unknown>;
      expect(failed).toMatchObject({
        alert: 'failed',
        connection: 'flaky',
        run: 1,
        link: `${serving.url}/connections/flaky/runs/1`,
      });
      expect((failed['reasons'] as string[])[0]).toMatch(/failing after 5 records/);
      const slack = receiver.received.find((r) => r.path === '/slack')!.body as { text: string };
      expect(slack.text).toContain(`<${serving.url}/connections/flaky/runs/1|Open in Backflow>`);
      expect(slack.text).toMatch(/failing after 5 records/);

      // Restarted, it finds the open incident in the store; the next run succeeds
      // (closing it) but leaves rejected rows over the threshold: a new incident.
      await counterConnection('flaky', {}, { reject_ids: [3, 4] }, { alerts: { ...alerts, rejected_rows: 2 } });
      serving = await serve([file], { token: TOKEN, clock });
      await serving.context.runs.start(serving.context.connections.get('flaky')!.connection, { trigger: 'api' });
      await serving.context.runs.idle();
      await receiver.until(4);
      const rejected = receiver.received[2]!.path === '/webhook' ? receiver.received[2] : receiver.received[3];
      expect(rejected!.body).toMatchObject({
        alert: 'rejected',
        run: 3,
        link: `${serving.url}/connections/flaky/runs/3`,
      });
      expect((rejected!.body as { reasons: string[] }).reasons).toEqual([
        'items {"id":3}: id 3 is refused',
        'items {"id":4}: id 4 is refused',
      ]);

      // No success for longer than allowed (late_after 2h on the injected clock).
      clock.advanceTo(clock.now() + 2 * 3_600_000);
      await receiver.until(6);
      expect(receiver.received.slice(4).map((r) => (r.body as { alert?: string }).alert ?? 'slack')).toContain('late');
      await serving.close();
      expect(receiver.received).toHaveLength(6);
    } finally {
      await receiver.close();
    }
  }, 180_000);

  it('posts to Slack with the bot token once per incident, across a restart and two serve processes on one Postgres store', async () => {
    const slack = await startSlackFake({ token: 'xoxb-alerts' });
    const state = await createTestDatabase('serve_alerts');
    vi.stubEnv('SLACK_ALERT_TOKEN', 'xoxb-alerts');
    try {
      const alerts = {
        slack: { bot_token: '${SLACK_ALERT_TOKEN}', channel: 'support', slack_api_url: slack.url },
        late_after: '2h',
      };
      const file = await counterConnection('flaky', { fail_after: 5 }, {}, { state: state.url, alerts });
      const run = async (serving: Serving) => {
        await serving.context.runs.start(serving.context.connections.get('flaky')!.connection, { trigger: 'api' });
        await serving.context.runs.idle();
      };
      const [clockA, clockB] = [new ManualClock(Date.now()), new ManualClock(Date.now())];
      const a = await serve([file], { clock: clockA });
      const b = await serve([file], { clock: clockB });
      await run(a); // opens the incident: the one alert
      await run(b); // the same incident, from the other process
      await a.close();
      const restarted = await serve([file], { clock: clockA });
      await run(restarted); // the same incident, after a restart

      await expect.poll(() => slack.messages('support').length, { timeout: 30_000 }).toBe(1);
      const [failed] = slack.messages('support');
      expect(failed!.text).toContain(`<${a.url}/connections/flaky/runs/1|Open in Backflow>`);
      expect(failed!.text).toMatch(/^\*flaky: run 1 failed \(exit 1\)\*\n• .*failing after 5 records/);

      // Both processes find the connection late at once: one alert between them.
      clockA.advanceTo(clockA.now() + 2 * HOUR);
      clockB.advanceTo(clockB.now() + 2 * HOUR);
      await expect.poll(() => slack.messages('support').length, { timeout: 30_000 }).toBe(2);
      await Promise.all([restarted.close(), b.close()]);
      const late = slack.messages('support')[1]!.text;
      expect(late).toMatch(/^\*flaky: no successful run for 2 h/);
      expect(late).toMatch(/\n• run 3 failed: .*failing after 5 records/);
      expect(late).toContain(`|Open in Backflow>`);
      expect(slack.messages('support')).toHaveLength(2);
      expect(slack.calls.flatMap(validateSlackCall)).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
      await slack.close();
      await state.drop();
    }
  }, 180_000);

  it('a success by another serve sharing the store is no lateness', async () => {
    const receiver = await alertReceiver();
    try {
      const file = await counterConnection(
        'shared',
        { count: 20 },
        {},
        { alerts: { webhook_url: receiver.webhookUrl, late_after: '2h' } },
      );
      const idle = new ManualClock(Date.now());
      const watching = await serve([file], { clock: idle });
      const working = await serve([file]);
      await working.context.runs.start(working.context.connections.get('shared')!.connection, { trigger: 'api' });
      await working.context.runs.idle();
      idle.advanceTo(idle.now() + 2 * 3_600_000);
      await Promise.all([watching.close(), working.close()]);
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  }, 180_000);

  it('with only rejected_share, alerts on the share of rows read, not on any rejected row', async () => {
    const receiver = await alertReceiver();
    try {
      const alerts = { webhook_url: receiver.webhookUrl, rejected_share: 0.05 };
      await counterConnection('low', {}, { reject_ids: [1, 2] }, { alerts }); // 2 of 50 rows: 4 %
      await counterConnection('high', {}, { reject_ids: [1, 2, 3] }, { alerts }); // 3 of 50: 6 %
      const serving = await serve([ws.dir]);
      for (const served of serving.context.connections.values())
        await serving.context.runs.start(served.connection, { trigger: 'api' });
      await serving.context.runs.idle();
      await serving.close();
      expect(receiver.received.map((r) => r.body)).toMatchObject([
        {
          alert: 'rejected',
          connection: 'high',
          message: 'high: run 1 left 3 row(s) rejected and 0 invalid of 50 read',
        },
      ]);
    } finally {
      await receiver.close();
    }
  }, 180_000);
});

describe('runner serve: stopping', () => {
  it('commits what a running sync sent before it stops, though the source never checkpointed', async () => {
    // The source sends one record and no STATE, then waits forever: only the stop's own
    // checkpoint can make that record durable.
    const file = await ws.connection('held', {
      source: { command: fixtureCommand('misbehaving'), config: { mode: 'hang' } },
      destination: { command: fixtureCommand('destination-jsonl'), config: { path: ws.path('held.jsonl') } },
      streams: [{ name: 'items' }],
      state: ws.path('state'),
    });
    const serving = await serve([file], { token: TOKEN });
    const { call } = await client(serving);
    const started = await call('POST', '/api/connections/held/runs', { body: {}, token: TOKEN });
    expect(started.status).toBe(202);
    await expect.poll(() => serving.context.runs.current('held')?.streams['items']?.sent, { timeout: 60_000 }).toBe(1);

    await serving.close();
    const restarted = await serve([file]);
    const run = (await (await client(restarted)).call('GET', '/api/connections/held/runs/1')).body;
    expect(run).toMatchObject({ status: 'interrupted', exit_code: 130, totals: { read: 1, sent: 1, committed: 1 } });
    const written = (await readFile(ws.path('held.jsonl'), 'utf8')).trim().split('\n');
    expect(written.map((line) => JSON.parse(line).id)).toEqual([1]);
  }, 180_000);
});

describe('runner serve: command line', () => {
  const runner = (args: string[]) => execa(process.execPath, [RUNNER_BIN, ...args], { reject: false, cwd: ws.dir });

  it('documents itself and refuses bad usage with exit code 2, naming the problem', async () => {
    const help = await runner(['serve', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Usage: runner serve [options] [paths...]');
    expect(help.stdout).toContain('BACKFLOW_SERVE_TOKEN');

    const missing = await runner(['serve', '--port', '0', 'nope.yaml']);
    expect(missing).toMatchObject({ exitCode: 2, stderr: 'error: nope.yaml: no such connection file or directory' });
    const port = await runner(['serve', '--port', 'http']);
    expect(port.exitCode).toBe(2);
    expect(port.stderr).toContain('--port must be a port number');
    await counterConnection('twin');
    await counterConnection('other', {}, {}, { name: 'twin' });
    const twins = await runner(['serve', '--port', '0', ws.dir]);
    expect(twins.exitCode).toBe(2);
    expect(twins.stderr).toMatch(/twin\.yaml: connection name "twin" is also used by .*other\.yaml/);
  }, 180_000);

  it('on SIGTERM, a destination that never confirms keeps serve up no longer than --stop-deadline: exit 130', async () => {
    const file = await ws.connection('stuck', {
      source: { command: fixtureCommand('misbehaving'), config: { mode: 'hang' } },
      destination: { command: fixtureCommand('misbehaving'), config: { mode: 'hang' } },
      streams: [{ name: 'items' }],
      state: ws.path('state'),
    });
    const serve = await startServeProcess(['--stop-deadline', '1', file], ws.dir, TOKEN);
    const started = await fetch(`${serve.url}/api/connections/stuck/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const { links } = (await started.json()) as { links: { events: string } };
    await watchRun<{ totals: { sent: number } }>(`${serve.url}${links.events}`, (run) => run.totals.sent >= 1);

    serve.process.kill('SIGTERM');
    const exited = await serve.process;
    expect(exited.exitCode).toBe(130);
    expect(serve.log()).toMatch(/stop deadline \(1s\) passed: exiting; unfinished syncs keep their last commit/);
  }, 180_000);
});
