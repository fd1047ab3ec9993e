import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sync, type SyncSummary } from '@backflow/runner';
import { dockerAnswers, ownContainers } from '../support/docker-events.js';
import { createTestDatabase, modelSource, seedModelTable, tableRows, type TestDatabase } from '../support/postgres.js';
import { REPO_ROOT, tempWorkspace } from '../support/workspace.js';

// The same sync through both launchers must give the same result: the sync code cannot tell
// a container from a process. CI (BACKFLOW_REQUIRE_DOCKER=1) builds the images and runs this
// for real; elsewhere it runs when a Docker engine answers.
const docker = new Docker();
const { dockerUp, requireDocker } = await dockerAnswers(docker);
const IMAGES = [
  'backflow/source-postgres:0.1.0',
  'backflow/destination-postgres:0.2.0',
  'backflow/source-duckdb:0.1.0',
  'backflow/destination-file:0.2.0',
];

let db: TestDatabase;
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const containers = ownContainers(docker, dockerUp);

beforeAll(async () => {
  db = await createTestDatabase('docker_sync');
  await seedModelTable(db, 2500);
  ws = await tempWorkspace();
  if (!dockerUp) return;
  await containers.watching;
  const present = (await docker.listImages()).flatMap((image) => image.RepoTags ?? []);
  if (!IMAGES.every((image) => present.includes(image))) {
    const names = IMAGES.map((image) => image.slice('backflow/'.length, image.indexOf(':')));
    await execa(process.execPath, ['scripts/build-images.mjs', ...names], { cwd: REPO_ROOT });
  }
});

afterAll(async () => {
  containers.stop();
  await db?.drop();
  await ws?.cleanup();
});

function run(executor: 'process' | 'docker'): Promise<SyncSummary> {
  return ws
    .connection(executor, {
      name: `pg-to-pg-${executor}`,
      source: { ...modelSource(db), network: 'host' },
      destination: {
        connector: 'destination-postgres',
        network: 'host',
        memory_mb: 256,
        config: { ...db.config, schema: `copy_${executor}` },
      },
      streams: [{ name: 'customers', primary_key: ['id'], behaviour: 'upsert' }],
      state: ws.path(`state-${executor}`),
      checkpoint_every: 1000,
      executor,
    })
    .then((file) => sync(file));
}

describe.runIf(dockerUp || requireDocker)('runner sync under the Docker launcher', () => {
  it('gives the same destination contents and counts as the process launcher', async () => {
    const viaProcess = await run('process');
    const viaDocker = await run('docker');
    expect(viaDocker.error).toBeUndefined();
    expect(viaProcess.error).toBeUndefined();
    expect(viaDocker.executor).toBe('docker');
    expect(viaDocker.streams).toEqual(viaProcess.streams);
    expect(viaDocker.totals).toMatchObject({ read: 2500, committed: 2500, rejected: 0 });
    const model = await tableRows(db, 'customers');
    expect(await tableRows(db, 'copy_docker.customers')).toEqual(model);
    expect(await tableRows(db, 'copy_process.customers')).toEqual(model);
  });

  it('reaches host files through mounts: the embedded warehouse into files, as a process does', async () => {
    await execa(process.execPath, ['examples/sample-warehouse/create.mjs', '--path', ws.path('warehouse.duckdb')], {
      cwd: REPO_ROOT,
    });
    const outputs: Record<string, string> = {};
    for (const executor of ['process', 'docker'] as const) {
      const out = ws.path(`out-${executor}`);
      await mkdir(out, { mode: 0o777 });
      await chmod(out, 0o777); // the container writes as uid 65534
      const summary = await sync(
        await ws.connection(`files-${executor}`, {
          name: `files-${executor}`,
          source: {
            connector: 'source-duckdb',
            mounts: [`${ws.path('warehouse.duckdb')}:ro`],
            config: { path: ws.path('warehouse.duckdb') },
          },
          destination: { connector: 'destination-file', mounts: [out], config: { directory: out, format: 'csv' } },
          streams: [{ name: 'account_metrics', primary_key: ['company_id'], behaviour: 'mirror' }],
          state: ws.path(`state-files-${executor}`),
          executor,
        }),
      );
      expect(summary.error).toBeUndefined();
      expect(summary.totals).toMatchObject({ read: 120, committed: 120 });
      // The model has no ORDER BY and DuckDB scans in parallel: compare the header and the set of rows.
      const [header, ...rows] = (await readFile(join(out, 'account_metrics.csv'), 'utf8')).trimEnd().split('\n');
      outputs[executor] = [header, ...rows.sort()].join('\n');
    }
    expect(outputs['docker']).toBe(outputs['process']);
    expect(outputs['docker']!.split('\n')[0]).toMatch(/^company_id,domain,name/);
  });

  it('leaves no container behind', async () => {
    // The engine removes a container as it exits, which may be just after its run returned.
    expect(containers.createdIds().length).toBeGreaterThan(0);
    await containers.allDestroyed();
    const left = await docker.listContainers({
      all: true,
      filters: { label: ['io.backflow.managed=true', containers.owner] },
    });
    const ours = left.filter((c) => IMAGES.includes(c.Image));
    expect(ours).toEqual([]);
  });
});
