import type { Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABELS } from '@backflow/runner';
import { REPO_ROOT, RUNNER_BIN, fixtureCommand, tempWorkspace } from '../support/workspace.js';
import { dockerAnswers } from '../support/docker-events.js';

// kill -9 of a runner's process group gives it no chance to clean up: what it leaves — private
// folders with connector configs, containers and the folders their config.json is mounted from — holds the
// connectors' secrets, and the next run (of any connection) must remove it.
const HANGING = `${process.execPath} ${join(REPO_ROOT, 'test/support/hanging-connector.mjs')}`;
const docker = new Docker();
const { dockerUp, requireDocker } = await dockerAnswers(docker);

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let tmp: string;
beforeEach(async () => {
  ws = await tempWorkspace();
  // The runners' temp folder, so that only their private folders are looked at.
  tmp = ws.path('tmp');
  await mkdir(tmp);
});
afterEach(async () => {
  await ws.cleanup();
});

/**
 * Starts `runner sync` in its own process group, waits until the connectors have said (in a LOG
 * relayed to the runner's log) that they started — their configs are handed over by then — and
 * until `alsoWait`, then kills the whole group with SIGKILL. Returns the dead runner's pid.
 */
async function killMidSync(connectionFile: string, logs: string[], alsoWait?: Promise<void>): Promise<number> {
  const runner = spawn(process.execPath, [RUNNER_BIN, 'sync', connectionFile], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TMPDIR: tmp },
  });
  const exited = once(runner, 'exit');
  const logged = (async () => {
    const waiting = new Set(logs);
    for await (const line of createInterface({ input: runner.stderr! })) {
      for (const log of waiting) if (line.includes(log)) waiting.delete(log);
      if (waiting.size === 0) return;
    }
    throw new Error(`the runner exited before logging ${[...waiting].join(', ')}`);
  })();
  await Promise.all([logged, alsoWait]);
  process.kill(-runner.pid!, 'SIGKILL');
  await exited;
  return runner.pid!;
}

/** Another connection's run, quick and successful: it is the one that must clean up. */
async function nextRun(): Promise<void> {
  const file = await ws.connection('other', {
    name: 'other',
    source: { command: fixtureCommand('source-counter'), config: { count: 3 } },
    destination: { command: fixtureCommand('destination-jsonl'), config: { path: ws.path('other.jsonl') } },
    streams: [{ name: 'items' }],
    state: ws.path('other-state'),
  });
  const result = await execa(process.execPath, [RUNNER_BIN, 'sync', file, '--json'], {
    env: { TMPDIR: tmp },
    reject: false,
  });
  expect(JSON.parse(result.stdout)).toMatchObject({ status: 'succeeded' });
}

/** Files under the temp folder whose content holds `secret`. */
async function filesHolding(secret: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(tmp, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path, 'utf8')).includes(secret)) found.push(path);
  }
  return found;
}

describe('after kill -9 of a runner', () => {
  it('the next run removes the process launcher’s private folders holding the connectors’ secrets', async () => {
    const secret = 'pw-process-7f3a91';
    const file = await ws.connection('killed', {
      name: 'killed',
      source: { command: HANGING, config: { password: secret } },
      destination: { command: HANGING, config: { password: secret } },
      streams: [{ name: 'items' }],
      state: ws.path('killed-state'),
    });
    const pid = await killMidSync(file, ['hanging connector: read started', 'hanging connector: write started']);
    // Both connectors' configs are left behind, in folders that name the dead runner.
    const left = await filesHolding(secret);
    expect(left.length).toBe(2);
    for (const path of left) expect(path).toMatch(new RegExp(`/backflow-${pid}\\.[^/]+-\\w{6}/config\\.json$`));

    await nextRun();
    expect(await filesHolding(secret)).toEqual([]);
    expect((await readdir(tmp)).filter((name) => name.startsWith(`backflow-${pid}.`))).toEqual([]);
  });

  it('a live run’s private folders are left alone', async () => {
    const secret = 'pw-live-52c0d7';
    // A folder named for this (live) test process, as a concurrent run's would be.
    const folder = join(tmp, `backflow-${process.pid}.${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-abc123`);
    await mkdir(folder);
    await writeFile(join(folder, 'config.json'), JSON.stringify({ password: secret }));
    await nextRun();
    expect(await filesHolding(secret)).toEqual([join(folder, 'config.json')]);
  });

  it.skipIf(!dockerUp && !requireDocker)(
    'under Docker, the next run removes the dead runner’s containers and the folders their config.json is mounted from',
    async () => {
      const image = await destinationPostgresImage();
      const secret = 'pw-docker-9d41be';
      const file = await ws.connection('killed-docker', {
        name: 'killed-docker',
        source: { command: HANGING, config: { password: secret } },
        destination: {
          image,
          network: 'host',
          config: {
            host: '127.0.0.1',
            port: 5432,
            database: 'postgres',
            username: 'postgres',
            password: secret,
            ssl_mode: 'disable',
          },
        },
        // append needs no key: the destination opens the stream and waits for records.
        streams: [{ name: 'items', behaviour: 'append' }],
        state: ws.path('killed-docker-state'),
      });
      const pid = await killMidSync(file, ['hanging connector: read started'], waitForWriteContainer());
      const owner = `${hostname()}/${pid}`;
      const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.owner}=${owner}`] } });
      expect(left.length).toBeGreaterThan(0);
      // The container's files are mounted from a folder that names the dead runner, and really
      // hold the secret: what is at stake.
      const mounted = left.flatMap((c) => c.Mounts.filter((m) => m.Destination === '/run/backflow'));
      expect(mounted.map((m) => m.Source)).toEqual([
        expect.stringMatching(new RegExp(`^${tmp}/backflow-${pid}\\.[^/]+-\\w{6}/files$`)),
      ]);
      expect(await filesHolding(secret)).toContain(join(mounted[0]!.Source, 'config.json'));

      await nextRun();
      expect(await docker.listContainers({ all: true, filters: { label: [`${LABELS.owner}=${owner}`] } })).toEqual([]);
      expect(await filesHolding(secret)).toEqual([]);
    },
    120_000,
  );
  it.skipIf(!dockerUp && !requireDocker)('under Docker, a live runner’s containers are left alone', async () => {
    const image = await destinationPostgresImage();
    // A container as a concurrent run (this live test process) would have it: created, not started.
    const container = await docker.createContainer({
      Image: image,
      Cmd: ['spec'],
      Labels: { [LABELS.managed]: 'true', [LABELS.owner]: `${hostname()}/${process.pid}`, [LABELS.run]: 'live' },
    });
    try {
      await nextRun();
      expect((await container.inspect()).State.Status).toBe('created');
    } finally {
      await container.remove({ force: true, v: true });
    }
  });
});

/** Resolves when a Backflow container running the `write` command has started. */
function waitForWriteContainer(): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.getEvents(
      { filters: { type: ['container'], event: ['start'], label: [`${LABELS.managed}=true`] } },
      (error, events) => {
        if (error || !events) return reject(error ?? new Error('no Docker events'));
        createInterface({ input: events }).on('line', (line) => {
          const event = JSON.parse(line) as { id: string };
          void docker
            .getContainer(event.id)
            .inspect()
            .then((info) => {
              if (info.Config.Cmd?.includes('write')) {
                (events as Readable).destroy();
                resolve();
              }
            }, reject);
        });
      },
    );
  });
}

/** A local destination-postgres image, built from the package when none is there. */
async function destinationPostgresImage(): Promise<string> {
  const tags = (await docker.listImages()).flatMap((image) => image.RepoTags ?? []);
  const present = tags.find((tag) => tag.startsWith('backflow/destination-postgres:'));
  if (present) return present;
  await execa(process.execPath, ['scripts/build-images.mjs', 'destination-postgres'], { cwd: REPO_ROOT });
  const { version } = JSON.parse(
    await readFile(join(REPO_ROOT, 'connectors/destination-postgres/package.json'), 'utf8'),
  ) as { version: string };
  return `backflow/destination-postgres:${version}`;
}
