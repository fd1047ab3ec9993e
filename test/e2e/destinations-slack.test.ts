import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { startSlackFake, validateSlackCall, type SlackFake } from '../fakes/slack/index.js';
import { createTestDatabase, seedModelTable, type TestDatabase } from '../support/postgres.js';
import { REPO_ROOT, tempWorkspace } from '../support/workspace.js';
import { dockerAnswers } from '../support/docker-events.js';

// Postgres model → destination-slack → the Slack fake, through the runner: one message per
// customer, kept in step with the model, never doubled by a crash.

const TOKEN = 'xoxb-e2e-0000-secret-token';
const DESTINATION_BIN = join(REPO_ROOT, 'connectors', 'destination-slack', 'bin', 'main.js');
const CRASH_AFTER_LOG = join(REPO_ROOT, 'test', 'support', 'crash-after-log.mjs');

const IMAGE = 'backflow/destination-slack:0.1.0';
const { dockerUp, requireDocker } = await dockerAnswers(new Docker());

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let slack: SlackFake;

beforeEach(async () => {
  ws = await tempWorkspace();
  source = await createTestDatabase('e2e_slack_src');
  slack = await startSlackFake({ token: TOKEN });
});
afterEach(async () => {
  // Every request the connector sent, and every answer, conforms to Slack's OpenAPI document.
  const problems = slack.calls.flatMap((call) => validateSlackCall(call));
  await Promise.all([source.drop(), ws.cleanup(), slack.close()]);
  expect(problems).toEqual([]);
});

function connection(destination: object = { connector: 'destination-slack' }, extra: object = {}) {
  return {
    name: 'signups-to-slack',
    source: {
      connector: 'source-postgres',
      config: {
        ...source.config,
        tables: [],
        models: [{ name: 'customers', sql: 'select id, email, plan from customers', primary_key: ['id'] }],
      },
    },
    destination: {
      ...destination,
      config: {
        bot_token: TOKEN,
        slack_api_url: slack.url,
        channel: '#support',
        text: 'New customer {{ email }} on the *{{ plan }}* plan',
      },
    },
    streams: [{ name: 'customers', behaviour: 'upsert', matching_keys: ['id'] }],
    state: ws.path('state'),
    ...extra,
  };
}

const run = async (destination?: object, extra?: object) =>
  sync(await ws.connection('c', connection(destination, extra)));

const texts = () => slack.messages('support').map((m) => m.text);
const expected = (plans: Record<number, string> = {}) =>
  [1, 2, 3, 4, 5, 6].map(
    (id) => `New customer user${id}@example.com on the *${plans[id] ?? ['free', 'pro', 'team'][id % 3]}* plan`,
  );
const chatCalls = (from: number) =>
  slack.calls
    .slice(from)
    .filter((c) => c.method.startsWith('chat.') && c.status === 200)
    .map((c) => c.method);

describe('destination-slack end to end', () => {
  it(
    'a message per new record, none doubled after a SIGKILL between posts and their STATE, an edit per change, nothing on a rerun', // Four syncs, each spawning two connectors, with posts paced at 1/s in real time.
    { timeout: 180_000 },
    async () => {
      await seedModelTable(source, 6);

      // Killed right after its third post: no STATE covers any of them.
      const killer = { command: `node ${CRASH_AFTER_LOG} 3 ^chat.postMessage:.posted node ${DESTINATION_BIN}` };
      const crashed = await run(killer);
      expect(crashed.status).toBe('failed');
      expect(crashed.error?.message).toMatch(/exited with code 137/);
      expect(crashed.streams['customers']).toMatchObject({ committed: 0 });
      expect(texts()).toEqual(expected().slice(0, 3));

      // The rerun sends all six again; the three already posted are found by their markers.
      let from = slack.calls.length;
      const rerun = await run();
      expect(rerun.exitCode).toBe(EXIT_CODES.success);
      expect(rerun.streams['customers']).toMatchObject({ read: 6, added: 6, sent: 6, committed: 6 });
      expect(texts()).toEqual(expected());
      expect(chatCalls(from)).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.postMessage']);

      await source.sql(`UPDATE customers SET plan = 'enterprise' WHERE id = 4`);
      from = slack.calls.length;
      const changed = await run();
      expect(changed.streams['customers']).toMatchObject({ changed: 1, unchanged: 5, sent: 1, committed: 1 });
      expect(chatCalls(from)).toEqual(['chat.update']);
      expect(texts()).toEqual(expected({ 4: 'enterprise' }));

      from = slack.calls.length;
      const unchanged = await run();
      expect(unchanged.exitCode).toBe(EXIT_CODES.success);
      expect(unchanged.streams['customers']).toMatchObject({ unchanged: 6, sent: 0 });
      expect(chatCalls(from)).toEqual([]);
      expect(texts()).toEqual(expected({ 4: 'enterprise' }));

      // Posts into #support never exceeded Slack's one per second.
      const posts = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200).map((c) => c.at);
      const gaps = posts.slice(1).map((at, i) => at - posts[i]!);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
      // The token never reaches the run's report.
      expect(JSON.stringify([crashed, rerun, changed, unchanged])).not.toContain(TOKEN);
    },
  );

  it.runIf(dockerUp || requireDocker)(
    'runs as its Docker image, reaching the fake over the host network',
    { timeout: 300_000 },
    async () => {
      const present = (await new Docker().listImages()).flatMap((image) => image.RepoTags ?? []);
      if (!present.includes(IMAGE)) {
        await execa(process.execPath, ['scripts/build-images.mjs', 'destination-slack'], { cwd: REPO_ROOT });
      }
      await seedModelTable(source, 2);
      const result = await run({ image: IMAGE, network: 'host', memory_mb: 256 });
      expect(result.error).toBeUndefined();
      expect(result.streams['customers']).toMatchObject({ read: 2, sent: 2, committed: 2 });
      expect(texts()).toEqual(expected().slice(0, 2));
    },
  );
});
