import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAnswers } from '../support/docker-events.js';
import { FIXTURE_CONNECTORS, REPO_ROOT, RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';

// dockerode costs about 0.25 s of CPU to load: it loads only when the Docker launcher is used;
// execa (0.15 s) is never loaded by the runner, which spawns with node:child_process. The
// runner runs with a preload that logs every file it loads: ES modules through a loader hook,
// CommonJS ones from require.cache at exit, bundle files (scripts/bundle.mjs, run as scripts by
// @backflow/protocol's entry) as they are read. A file carries a package when its path is
// inside the package, or — a bundle file — when its text holds the bundler's region markers of
// the package's files.
const docker = new Docker();
const { dockerUp, requireDocker } = await dockerAnswers(docker);
const IMAGES = ['backflow/fixture-source-counter:0.0.0', 'backflow/fixture-destination-null:0.0.0'];
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.LOADED_LOG, url + '\\n');
  return next(url, context);
}`;
const PRELOAD = `import fs, { appendFileSync } from 'node:fs';
import { createRequire, register, syncBuiltinESMExports } from 'node:module';
import { pathToFileURL } from 'node:url';
register(${JSON.stringify('./hooks.mjs')}, import.meta.url);
const readFileSync = fs.readFileSync;
fs.readFileSync = function (file, ...rest) {
  if (typeof file === 'string' && file.endsWith('.cjs')) appendFileSync(process.env.LOADED_LOG, pathToFileURL(file).href + '\\n');
  return readFileSync.call(this, file, ...rest);
};
syncBuiltinESMExports();
const require = createRequire(import.meta.url);
process.on('exit', () => {
  const files = Object.keys(require.cache).map((path) => pathToFileURL(path).href + '\\n');
  appendFileSync(process.env.LOADED_LOG, files.join(''));
});`;
const PACKAGES = ['dockerode', 'execa'] as const;

let ws: Awaited<ReturnType<typeof tempWorkspace>>;

beforeAll(async () => {
  ws = await tempWorkspace();
  await writeFile(ws.path('hooks.mjs'), HOOKS);
  await writeFile(ws.path('preload.mjs'), PRELOAD);
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
  const log = ws.path(`loaded-${randomUUID()}.txt`);
  await writeFile(log, '');
  const run = await execa(process.execPath, ['--import', ws.path('preload.mjs'), RUNNER_BIN, ...args], {
    cwd: ws.dir,
    env: { TMPDIR: ws.dir, LOADED_LOG: log },
    reject: false,
  });
  expect(run.exitCode).toBe(0);
  const files = new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean));
  const loaded = new Set<string>();
  for (const url of files) {
    const path = fileURLToPath(url);
    const text = path.includes('/node_modules/') ? '' : await readFile(path, 'utf8');
    for (const name of PACKAGES) {
      // cross-spawn is execa's CommonJS dependency, loaded with it.
      const markers =
        name === 'execa' ? ['/node_modules/execa/', '/node_modules/cross-spawn/'] : [`/node_modules/${name}/`];
      if (markers.some((marker) => path.includes(marker) || text.includes(marker.slice(1)))) loaded.add(name);
    }
  }
  return [...loaded].sort();
}

describe('the launchers load their libraries only when used', () => {
  it('runner --version loads neither', async () => {
    expect(await loadedBy(['--version'])).toEqual([]);
  });

  it('a sync of processes loads neither', async () => {
    const file = await ws.connection('processes', {
      name: 'processes',
      source: { command: fixtureCommand('source-counter'), config: { count: 3 } },
      destination: { command: fixtureCommand('destination-null'), config: {} },
      streams: [{ name: 'items' }],
      state: ws.path('state-processes'),
    });
    expect(await loadedBy(['sync', file, '--json'])).toEqual([]);
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
