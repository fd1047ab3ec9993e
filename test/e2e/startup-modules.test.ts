import { writeFile } from 'node:fs/promises';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_CONNECTORS, REPO_ROOT, RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';

// dockerode costs about 0.25 s of CPU to load and execa 0.15 s: each loads only when its
// launcher is used. The runner is run with a preload that lists, at exit, which of the two
// packages it loaded (execa through cross-spawn, its CommonJS dependency).
const docker = new Docker();
const dockerUp = await docker.ping().then(
  () => true,
  () => false,
);
const requireDocker = process.env.BACKFLOW_REQUIRE_DOCKER === '1';
const IMAGES = ['backflow/fixture-source-counter:0.0.0', 'backflow/fixture-destination-null:0.0.0'];
const REPORT = `process.on('exit', () => {
  const names = Object.keys(require.cache).map((path) => /node_modules\\/(dockerode|cross-spawn)\\//.exec(path)?.[1]);
  process.stderr.write('LOADED ' + JSON.stringify([...new Set(names.filter(Boolean))].sort()) + '\\n');
});`;

let ws: Awaited<ReturnType<typeof tempWorkspace>>;

beforeAll(async () => {
  ws = await tempWorkspace();
  await writeFile(ws.path('report.cjs'), REPORT);
  if (!dockerUp) return;
  const present = (await docker.listImages()).flatMap((image) => image.RepoTags ?? []);
  if (!IMAGES.every((image) => present.includes(image))) {
    const dirs = ['source-counter', 'destination-null'].map((name) => `${FIXTURE_CONNECTORS}/${name}`);
    await execa(process.execPath, ['scripts/build-images.mjs', ...dirs], { cwd: REPO_ROOT });
  }
});

afterAll(async () => {
  await ws?.cleanup();
});

/** Runs the runner with `args`; returns the heavy packages it loaded. */
async function loadedBy(args: string[]): Promise<string[]> {
  const run = await execa(process.execPath, ['--require', ws.path('report.cjs'), RUNNER_BIN, ...args], {
    cwd: ws.dir,
    env: { TMPDIR: ws.dir },
    reject: false,
  });
  expect(run.exitCode).toBe(0);
  return JSON.parse(/^LOADED (.*)$/m.exec(run.stderr)![1]!) as string[];
}

describe('the launchers load their libraries only when used', () => {
  it('runner --version loads neither', async () => {
    expect(await loadedBy(['--version'])).toEqual([]);
  });

  it('a sync of processes loads execa, never dockerode', async () => {
    const file = await ws.connection('processes', {
      name: 'processes',
      source: { command: fixtureCommand('source-counter'), config: { count: 3 } },
      destination: { command: fixtureCommand('destination-null'), config: {} },
      streams: [{ name: 'items' }],
      state: ws.path('state-processes'),
    });
    expect(await loadedBy(['sync', file, '--json'])).toEqual(['cross-spawn']);
  });

  it.runIf(dockerUp || requireDocker)('a sync of containers loads dockerode, never execa', async () => {
    const file = await ws.connection('containers', {
      name: 'containers',
      source: { image: IMAGES[0], config: { count: 3 } },
      destination: { image: IMAGES[1], config: {} },
      streams: [{ name: 'items' }],
      state: ws.path('state-containers'),
    });
    expect(await loadedBy(['sync', file, '--json'])).toEqual(['dockerode']);
  });
});
