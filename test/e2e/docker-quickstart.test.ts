import { chmod, chown, cp, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, RUNNER_BIN, tempWorkspace } from '../support/workspace.js';
import { dockerAnswers } from '../support/docker-events.js';

// The quick start as documented, under --executor docker, run the way cron runs it: from
// another directory, with the connection file's absolute path. Its relative paths (the
// warehouse, the output folder) resolve next to the file, and the Docker launcher mounts them
// because the connectors' specs mark them `backflow_path`; no `mounts:` in the file.
const docker = new Docker();
const { dockerUp, requireDocker } = await dockerAnswers(docker);
const IMAGES = ['backflow/source-duckdb:0.1.0', 'backflow/destination-file:0.2.0'];

let ws: Awaited<ReturnType<typeof tempWorkspace>>;

beforeAll(async () => {
  ws = await tempWorkspace('backflow-quickstart-');
  await mkdir(ws.path('home'));
  await mkdir(ws.path('template/sample-warehouse'), { recursive: true });
  await cp(join(REPO_ROOT, 'examples', 'quickstart.yaml'), ws.path('template/quickstart.yaml'));
  await execa(
    process.execPath,
    ['examples/sample-warehouse/create.mjs', '--path', ws.path('template/sample-warehouse/warehouse.duckdb')],
    { cwd: REPO_ROOT },
  );
  if (!dockerUp) return;
  const present = (await docker.listImages()).flatMap((image) => image.RepoTags ?? []);
  if (!IMAGES.every((image) => present.includes(image))) {
    await execa(process.execPath, ['scripts/build-images.mjs', 'source-duckdb', 'destination-file'], {
      cwd: REPO_ROOT,
    });
  }
});

afterAll(async () => {
  await ws?.cleanup();
});

/** A copy of the quick start's folder (connection file and warehouse) named `name`. */
async function project(name: string): Promise<string> {
  await cp(ws.path('template'), ws.path(name), { recursive: true });
  return ws.path(name);
}

/** `runner sync <abs>/quickstart.yaml` from the home folder, as cron would run it. */
function syncFromHome(dir: string, executor: 'process' | 'docker') {
  return execa(process.execPath, [RUNNER_BIN, 'sync', join(dir, 'quickstart.yaml'), '--executor', executor, '--json'], {
    cwd: ws.path('home'),
    env: { HOME: ws.path('home') },
    reject: false,
  });
}

/** A CSV with its rows sorted: DuckDB scans in parallel, so row order may differ between runs. */
async function rowsOf(file: string): Promise<string> {
  const [header, ...rows] = (await readFile(file, 'utf8')).trimEnd().split('\n');
  return [header, ...rows.sort()].join('\n');
}

describe.runIf(dockerUp || requireDocker)('the quick start under --executor docker', () => {
  it('runs from another directory and writes what the process launcher writes, next to the file', async () => {
    const outputs: Record<string, string[]> = {};
    for (const executor of ['process', 'docker'] as const) {
      const dir = await project(`quickstart-${executor}`);
      const run = await syncFromHome(dir, executor);
      expect(run.stderr).not.toMatch(/\berror\b/i);
      expect(run.exitCode).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        status: 'succeeded',
        totals: { read: 1620, committed: 1620 },
        connectors: { source: { executor }, destination: { executor } },
      });
      const files = await readdir(join(dir, 'output'));
      expect(files.sort()).toEqual(['account_metrics.csv', 'crm_contacts.csv']);
      outputs[executor] = await Promise.all(files.map((file) => rowsOf(join(dir, 'output', file))));
    }
    expect(outputs['docker']).toEqual(outputs['process']);
    // Nothing lands in the directory the runner was started from, but for the connector cache
    // under $HOME/.cache (cron's directory is $HOME).
    expect(await readdir(ws.path('home'))).toEqual(['.cache']);
  });

  it('refuses an output folder the container user cannot write, naming the folder and the uid', async () => {
    const dir = await project('quickstart-unwritable');
    const out = join(dir, 'output');
    await mkdir(out);
    await chmod(out, 0o555);
    const uid = process.getuid?.() === 0 ? 65534 : process.getuid?.();
    const run = await syncFromHome(dir, 'docker');
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain(`the container runs as uid ${uid}`);
    expect(run.stderr).toContain(`which cannot write ${out}`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  // CI runs as root, so the non-root caller is played by a uid with no account, in the group
  // that owns the Docker socket (which is all a user needs to run containers).
  it.runIf(process.getuid?.() === 0)(
    'writes files owned by a non-root caller, the container running as that uid and gid',
    async () => {
      const dir = await project('quickstart-caller');
      const caller = { uid: 4321, gid: (await stat('/var/run/docker.sock')).gid };
      await chmod(ws.path(''), 0o755);
      const home = ws.path('caller-home');
      await mkdir(home);
      for (const path of [home, dir, ...(await readdir(dir)).map((name) => join(dir, name))]) {
        await chown(path, caller.uid, caller.gid);
      }
      await chown(join(dir, 'sample-warehouse', 'warehouse.duckdb'), caller.uid, caller.gid);
      const run = await execa(
        process.execPath,
        [RUNNER_BIN, 'sync', join(dir, 'quickstart.yaml'), '--executor', 'docker', '--json'],
        { cwd: home, env: { HOME: home }, ...caller, reject: false },
      );
      expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
      for (const file of ['account_metrics.csv', 'crm_contacts.csv']) {
        const owner = await stat(join(dir, 'output', file));
        expect({ uid: owner.uid, gid: owner.gid }).toEqual(caller);
      }
    },
  );
});
