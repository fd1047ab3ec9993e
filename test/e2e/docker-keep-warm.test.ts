import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServe, sync } from '@backflow/runner';
import earlyStartStep from '../../runner/dist/launchers/early-start.cjs';
import type { EarlyStart } from '../../runner/src/launchers/early-containers.js';
import { removeStaleInvocationDirs } from '../../runner/src/launchers/invocation-files.js';
import { insertModelRows, modelSource, tableRows } from '../support/postgres.js';
import { earlyStartRuns } from '../support/early-start.js';
import { ManualClock } from '../support/manual-clock.js';
import { REPO_ROOT, RUNNER_BIN } from '../support/workspace.js';

// `runner sync --keep-warm <duration>`: once a Docker sync is over, a detached step starts its
// containers again from the plans the run kept (early-start.cts), and leaves them waiting for
// the next run of the same command line, which claims them already up and loaded. Most tests
// run that step in this process, as docker-early-start.test.ts runs the first step, so that
// they can follow each container; the last one runs the CLI as cron would.
const setup = await earlyStartRuns('keep_warm', 200);
const { docker, dockerUp, requireDocker, containers, env, connectionFile, firstStep, runSync } = setup;
const run = promisify(execFile);

afterEach(() => {
  vi.useRealTimers();
});

/** Runs the sync with what the first step started, as bin/runner.js does. */
function syncWith(early: EarlyStart, file: string) {
  return sync(file, { early });
}

/**
 * The containers kept warm for the plans in `planDir`: each plan's pointer (`<connector>.<command>.warm`)
 * names a folder whose warm.json gives the id.
 */
async function warmContainers(planDir: string): Promise<{ plan: string; id: string; folder: string }[]> {
  const pointers = (await readdir(planDir)).filter((name) => name.endsWith('.warm'));
  return Promise.all(
    pointers.map(async (name) => {
      const folder = await readFile(join(planDir, name), 'utf8');
      const { id } = JSON.parse(await readFile(join(folder, 'warm.json'), 'utf8')) as { id: string };
      return { plan: name.slice(0, -'.warm'.length), id, folder };
    }),
  );
}

/** The tag of source-postgres's image, as scripts/build-images.mjs builds it. */
async function sourceImage(): Promise<string> {
  const manifest = JSON.parse(
    await readFile(join(REPO_ROOT, 'connectors', 'source-postgres', 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return `backflow/source-postgres:${manifest.version}`;
}

/** The containers of `ids` a run attaches to from now on: a run attaches to each container it adopts. */
async function attaches(ids: readonly string[]) {
  const seen: string[] = [];
  const events = (await docker.getEvents({ filters: { container: [...ids], event: ['attach'] } })) as Readable;
  createInterface({ input: events }).on('line', (line) => seen.push((JSON.parse(line) as { id: string }).id));
  return { ids: seen, stop: () => events.destroy() };
}

async function isRunning(id: string): Promise<boolean> {
  try {
    return (await docker.getContainer(id).inspect()).State.Running;
  } catch {
    return false;
  }
}

async function removeContainers(ids: readonly string[]): Promise<void> {
  await Promise.all(
    ids.map((id) =>
      docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

describe.runIf(dockerUp || requireDocker)('containers kept warm between runs', () => {
  it('the next run of the same command claims the containers kept warm for it, and creates none', async () => {
    const file = await connectionFile('claimed');
    const first = await runSync(file);
    expect(first.summary.error).toBeUndefined();
    await earlyStartStep.warmContainers(first.early.planDir, 60_000, env());
    const warm = await warmContainers(first.early.planDir);
    expect(warm).toHaveLength(2);
    for (const { id, folder } of warm) {
      expect(await isRunning(id)).toBe(true);
      expect(basename(folder)).toMatch(/^backflow-warm\.\d+\./);
    }
    await insertModelRows(setup.db, 201, 230);
    await containers.allDestroyed();
    const before = containers.createdIds().length;

    const second = await runSync(file);
    expect(second.summary.error).toBeUndefined();
    expect([...second.ids].sort()).toEqual(warm.map((w) => w.id).sort());
    expect(second.summary.connectors).toMatchObject({
      source: { container: 'warm' },
      destination: { container: 'warm' },
    });
    expect(second.summary.totals).toMatchObject({ read: 230, added: 30, sent: 30, committed: 30, rejected: 0 });
    expect(await tableRows(setup.db, 'claimed.customers')).toEqual(await tableRows(setup.db, 'customers'));
    // No container of its own, and nothing kept of the warm ones: pointers, folders.
    expect(containers.createdIds().slice(before)).toEqual([]);
    expect(await warmContainers(first.early.planDir)).toEqual([]);
    for (const { folder } of warm) expect(existsSync(folder)).toBe(false);
    const ownFolder = new RegExp(`^backflow-${process.pid}\\..+-[A-Za-z0-9]{6}$`);
    await vi.waitFor(async () => expect((await readdir(tmpdir())).filter((name) => ownFolder.test(name))).toEqual([]));
  });

  it('of two runs at once, one claims each warm container and the other starts its own', async () => {
    const file = await connectionFile('raced');
    const { early } = await runSync(file);
    await earlyStartStep.warmContainers(early.planDir, 60_000, env());
    const warmIds = (await warmContainers(early.planDir)).map((w) => w.id).sort();
    expect(warmIds).toHaveLength(2);

    const [one, other] = await Promise.all([firstStep(file), firstStep(file)]);
    const oneIds = await Promise.all(one.containers.map((c) => c.started));
    const otherIds = await Promise.all(other.containers.map((c) => c.started));
    expect([...oneIds, ...otherIds].filter((id) => warmIds.includes(id)).sort()).toEqual(warmIds);
    expect(new Set([...oneIds, ...otherIds]).size).toBe(4);
    // One after the other, as the connection's lock would have them: both succeed.
    expect((await syncWith(one, file)).error).toBeUndefined();
    expect((await syncWith(other, file)).error).toBeUndefined();
  });

  it('keeping warm again replaces the containers no run claimed', async () => {
    const file = await connectionFile('replaced');
    const { early } = await runSync(file);
    await earlyStartStep.warmContainers(early.planDir, 60_000, env());
    const unclaimed = await warmContainers(early.planDir);
    await earlyStartStep.warmContainers(early.planDir, 60_000, env());
    const kept = await warmContainers(early.planDir);
    expect(kept).toHaveLength(2);
    for (const { id, folder } of unclaimed) {
      expect(await isRunning(id)).toBe(false);
      expect(existsSync(folder)).toBe(false);
    }
    expect((await syncWith(await firstStep(file), file)).error).toBeUndefined();
    for (const { id } of kept) await vi.waitFor(async () => expect(await isRunning(id)).toBe(false));
  });

  it('a warm container of an image its tag no longer names is not adopted', async () => {
    // An image of this test's own, built again under the same tag between the runs.
    const tag = `backflow-test/keep-warm-source:${process.pid}`;
    const from = await sourceImage();
    const build = (label: string) =>
      spawnSync('docker', ['build', '--quiet', '--tag', tag, '-'], {
        input: `FROM ${from}\nLABEL io.backflow.test=${label}\n`,
        env: { ...process.env, DOCKER_BUILDKIT: '0' },
        encoding: 'utf8',
      }).stdout.trim();
    const before = build('one');
    try {
      const file = await connectionFile('rebuilt', { source: { image: tag, config: modelSource(setup.db).config } });
      const { early } = await runSync(file);
      await earlyStartStep.warmContainers(early.planDir, 60_000, env());
      const warm = await warmContainers(early.planDir);
      expect(warm).toHaveLength(2);
      expect(build('two')).not.toBe(before);
      const second = await runSync(file);
      expect(second.summary.error).toBeUndefined();
      // The destination's is adopted; the source's is removed, and the run starts its own from the new image.
      expect(warm.filter((w) => second.ids.includes(w.id)).map((w) => w.plan)).toEqual(['destination-postgres.write']);
      expect(second.summary.connectors).toMatchObject({
        source: { container: 'created' },
        destination: { container: 'warm' },
      });
      expect(await tableRows(setup.db, 'rebuilt.customers')).toEqual(await tableRows(setup.db, 'customers'));
      await vi.waitFor(async () => {
        for (const { id } of warm) expect(await isRunning(id)).toBe(false);
      });
    } finally {
      spawnSync('docker', ['rmi', '--force', tag]);
    }
  });

  it('a warm container is not claimed once its wait is over, and its folder is swept', async () => {
    const file = await connectionFile('expired');
    const { early } = await runSync(file);
    await earlyStartStep.warmContainers(early.planDir, 60_000, env());
    const warm = await warmContainers(early.planDir);
    try {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 60_000);
      const next = await firstStep(file);
      const ids = await Promise.all(next.containers.map((c) => c.started));
      expect(ids.filter((id) => warm.some((w) => w.id === id))).toEqual([]);
      const swept = await removeStaleInvocationDirs(tmpdir(), Date.now());
      expect(swept).toEqual(expect.arrayContaining(warm.map((w) => w.folder)));
      vi.useRealTimers();
      expect((await syncWith(next, file)).error).toBeUndefined();
    } finally {
      // It would give up by itself a minute after its wait; not worth the test's time.
      await removeContainers(warm.map((w) => w.id));
    }
  });

  it('`runner sync --keep-warm` keeps them warm after the run, for the next one to claim', async () => {
    // The destination named as an installed package is: the log names it so, not as its plan file.
    const file = await connectionFile('cli', {
      destination: { connector: '@backflow/destination-postgres', config: { ...setup.db.config, schema: 'cli' } },
    });
    // A cache of its own: the only plans' folder in it is that of this command line.
    const cache = setup.ws.path('cache-cli');
    const logs: string[] = [];
    const cli = async () => {
      const { stdout, stderr } = await run(
        process.execPath,
        [RUNNER_BIN, 'sync', file, '--keep-warm', '2m', '--json'],
        {
          env: { ...process.env, BACKFLOW_CACHE_DIR: cache },
        },
      );
      logs.push(stderr);
      return JSON.parse(stdout) as { status: string; totals: { sent: number }; connectors: unknown };
    };
    const kept = async () => {
      const folders = await readdir(join(cache, 'early')).catch(() => []);
      return folders.length === 1 ? warmContainers(join(cache, 'early', folders[0]!)) : [];
    };
    // The first run starts its containers itself and keeps their plans; the warm step after it starts them again.
    expect(await cli()).toMatchObject({ status: 'succeeded' });
    expect(logs[0]).toContain('kept warm for 2 min 0 s: @backflow/destination-postgres.write, source-postgres.read');
    await vi.waitFor(async () => expect(await kept()).toHaveLength(2), { timeout: 30_000 });
    const warm = await kept();
    const attached = await attaches(warm.map((w) => w.id));
    try {
      await insertModelRows(setup.db, 231, 240);
      expect(await cli()).toMatchObject({
        status: 'succeeded',
        totals: { sent: 10 },
        connectors: { source: { container: 'warm' }, destination: { container: 'warm' } },
      });
      // Both claimed (a run attaches to what it adopts; a replaced one is only removed), then gone.
      await vi.waitFor(() => expect([...attached.ids].sort()).toEqual(warm.map((w) => w.id).sort()));
      for (const { id } of warm) await vi.waitFor(async () => expect(await isRunning(id)).toBe(false));
    } finally {
      attached.stop();
    }
    // And new ones kept warm by the run that claimed them.
    await vi.waitFor(
      async () => {
        const next = await kept();
        expect(next).toHaveLength(2);
        expect(next.filter((w) => warm.some((old) => old.id === w.id))).toEqual([]);
      },
      { timeout: 30_000 },
    );
    const left = await kept();
    await removeContainers(left.map((w) => w.id));
    await Promise.all(left.map((w) => rm(w.folder, { recursive: true, force: true })));
  });

  it('`runner sync --keep-warm` refuses a wait that is not a duration, naming the option', async () => {
    const file = await connectionFile('bad_wait');
    const failed = await run(process.execPath, [RUNNER_BIN, 'sync', file, '--keep-warm', '15'], { env: env() }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain(
      `option '--keep-warm <duration>' argument '15' is invalid. "15" is not a duration such as 30s, 15m, 2h or 1d`,
    );
    const tooLong = await run(process.execPath, [RUNNER_BIN, 'sync', file, '--keep-warm', '2d'], { env: env() }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(tooLong).toMatchObject({ code: 2 });
    expect((tooLong as { stderr: string }).stderr).toContain(
      `option '--keep-warm <duration>' argument '2d' is invalid. "2d" is longer than the longest wait, 24h`,
    );
  });
});

describe.runIf(dockerUp || requireDocker)('runner serve', () => {
  it("keeps a scheduled Docker connection's containers warm for its next slot, and removes them when it stops", async () => {
    const file = await connectionFile('served', { schedule: { every: '1h' } });
    // A cache of its own: the only plans' folder in it is this connection's.
    const cache = setup.ws.path('cache-serve');
    const previousCache = process.env.BACKFLOW_CACHE_DIR;
    process.env.BACKFLOW_CACHE_DIR = cache;
    const kept = async () => {
      const folders = await readdir(join(cache, 'early')).catch(() => []);
      return folders.length === 1 ? warmContainers(join(cache, 'early', folders[0]!)) : [];
    };
    const start = Date.now();
    const clock = new ManualClock(start);
    const serving = await startServe({ paths: [file], port: 0, clock, log: () => undefined });
    try {
      // The first slot: the run starts its containers itself, then those of the next slot are started.
      clock.advanceTo(start);
      await serving.context.runs.idle();
      await vi.waitFor(async () => expect(await kept()).toHaveLength(2), { timeout: 30_000 });
      const warm = await kept();
      const attached = await attaches(warm.map((w) => w.id));
      try {
        await insertModelRows(setup.db, 241, 250);
        clock.advanceTo(start + 3_600_000);
        await serving.context.runs.idle();
        const [latest] = await serving.context.store.runs(serving.context.connections.get('served')!.connection, 1);
        expect(latest).toMatchObject({ status: 'succeeded' });
        await vi.waitFor(() => expect([...attached.ids].sort()).toEqual(warm.map((w) => w.id).sort()));
      } finally {
        attached.stop();
      }
      await vi.waitFor(
        async () => expect((await kept()).filter((w) => !warm.some((old) => old.id === w.id))).toHaveLength(2),
        { timeout: 30_000 },
      );
      const next = await kept();
      await serving.close();
      for (const { id, folder } of next) {
        expect(await isRunning(id)).toBe(false);
        expect(existsSync(folder)).toBe(false);
      }
    } finally {
      await serving.close();
      if (previousCache === undefined) delete process.env.BACKFLOW_CACHE_DIR;
      else process.env.BACKFLOW_CACHE_DIR = previousCache;
    }
  });
});

describe('runner sync --keep-warm under the process launcher', () => {
  it('keeps nothing warm, and says so', async () => {
    const file = await connectionFile('as_processes', { executor: 'process' });
    const { stdout, stderr } = await run(process.execPath, [RUNNER_BIN, 'sync', file, '--keep-warm', '5m', '--json'], {
      env: env(),
    });
    expect(JSON.parse(stdout)).toMatchObject({ status: 'succeeded', executor: 'process' });
    const warning = stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: string; message?: string })
      .find((log) => log.message?.startsWith('--keep-warm'));
    expect(warning).toMatchObject({
      level: 'warn',
      message: '--keep-warm: nothing kept warm, the connectors ran as processes',
    });
  });
});
