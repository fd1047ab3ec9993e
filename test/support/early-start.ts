import Docker from 'dockerode';
import { afterAll, beforeAll } from 'vitest';
import { sync } from '@backflow/runner';
import earlyStartStep from '../../runner/dist/launchers/early-start.cjs';
import type { EarlyStart } from '../../runner/src/launchers/early-containers.js';
import { dockerAnswers, ownContainers } from './docker-events.js';
import { createTestDatabase, modelSource, seedModelTable, type TestDatabase } from './postgres.js';
import { RUNNER_BIN, tempWorkspace } from './workspace.js';

/**
 * For a test file of Docker syncs that starts containers ahead of them: the engine, the
 * containers this process's runs start, a model database of `rows` rows and a workspace (made
 * before the file's tests, removed after), and `runner sync` as bin/runner.js runs it, in this
 * process: its first step (early-start.cts), which starts or claims the containers kept for the
 * command line, then the sync with what it started, so that a test can follow each container.
 * Plans are kept in the workspace's `cache`.
 */
export async function earlyStartRuns(database: string, rows: number) {
  const docker = new Docker();
  const { dockerUp, requireDocker } = await dockerAnswers(docker);
  const containers = ownContainers(docker, dockerUp);
  let db: TestDatabase | undefined;
  let ws: Awaited<ReturnType<typeof tempWorkspace>> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase(database);
    await seedModelTable(db, rows);
    ws = await tempWorkspace();
    await containers.watching;
  });

  afterAll(async () => {
    containers.stop();
    await db?.drop();
    await ws?.cleanup();
  });

  const setup = {
    docker,
    dockerUp,
    requireDocker,
    containers,
    get db(): TestDatabase {
      return db!;
    },
    get ws(): Awaited<ReturnType<typeof tempWorkspace>> {
      return ws!;
    },
    env: () => ({ ...process.env, BACKFLOW_CACHE_DIR: setup.ws.path('cache') }),

    /** A Postgres → Postgres connection run under Docker (unless `extra` says otherwise), with its own state and target schema. */
    connectionFile: (name: string, extra: object = {}): Promise<string> =>
      setup.ws.connection(name, {
        name,
        source: modelSource(setup.db),
        destination: { connector: 'destination-postgres', config: { ...setup.db.config, schema: name } },
        streams: [{ name: 'customers', primary_key: ['id'], behaviour: 'upsert' }],
        state: setup.ws.path(`state-${name}`),
        executor: 'docker',
        ...extra,
      }),

    /** The first step of `runner sync <file>`. */
    firstStep: async (file: string): Promise<EarlyStart> => {
      const early = await earlyStartStep.startEarly(['node', RUNNER_BIN, 'sync', file], setup.env());
      if (!early) throw new Error('the first step did not take `runner sync <file>` for a sync');
      return early;
    },

    /** The first step, then the sync; `ids`: the containers started for it that run (not those the run will replace). */
    runSync: async (file: string) => {
      const early = await setup.firstStep(file);
      const started = await Promise.allSettled(early.containers.map((c) => c.started));
      const ids = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      return { early, ids, summary: await sync(file, { early }) };
    },
  };
  return setup;
}
