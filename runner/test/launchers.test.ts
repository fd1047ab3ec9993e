import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarFiles } from '../src/launchers/tar.js';
import {
  DockerLauncher,
  LABELS,
  containersRemoved,
  LauncherError,
  ProcessLauncher,
  removeStaleContainers,
  type ConnectorProcess,
  type Launcher,
} from '../src/launchers/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ECHO_DIR = join(REPO_ROOT, 'test/fixtures/connectors/echo');
const ECHO_MAIN = join(ECHO_DIR, 'bin/main.js');
const ECHO_IMAGE = 'backflow/fixture-echo:0.0.0';
// The echo fixture labelled as taking its stdin and stdout as named pipes, as SDK images are.
const ECHO_FIFO_IMAGE = 'backflow/fixture-echo-fifo:0.0.0';

const docker = new Docker();
const dockerUp = await docker.ping().then(
  () => true,
  () => false,
);
// CI sets BACKFLOW_REQUIRE_DOCKER=1: there the Docker tests run, and fail, without an engine.
const requireDocker = process.env.BACKFLOW_REQUIRE_DOCKER === '1';

interface Target {
  name: string;
  kind: 'process' | 'docker';
  launcher(options?: { stopGraceMs?: number }): Launcher;
}

const targets: Target[] = [
  {
    name: 'process',
    kind: 'process',
    launcher: (options) => new ProcessLauncher({ command: [process.execPath, ECHO_MAIN], ...options }),
  },
];
if (dockerUp || requireDocker) {
  targets.push({
    name: 'docker',
    kind: 'docker',
    launcher: (options) => new DockerLauncher({ image: ECHO_IMAGE, docker, ...options }),
  });
  targets.push({
    name: 'docker with named pipes',
    kind: 'docker',
    launcher: (options) => new DockerLauncher({ image: ECHO_FIFO_IMAGE, docker, ...options }),
  });
}

beforeAll(async () => {
  if (!dockerUp) return;
  // Always rebuilt (about 2 s) so the image matches the fixture's current source.
  await execa(process.execPath, ['scripts/build-images.mjs', ECHO_DIR], { cwd: REPO_ROOT });
  const build = await docker.buildImage(
    Readable.from(tarFiles([{ name: 'Dockerfile', content: `FROM ${ECHO_IMAGE}\n`, mode: 0o444 }])),
    { t: ECHO_FIFO_IMAGE, labels: JSON.stringify({ [LABELS.stdio]: 'fifo' }) },
  );
  await new Promise((resolve, reject) =>
    docker.modem.followProgress(build, (error: Error | null) => (error ? reject(error) : resolve(undefined))),
  );
});

async function firstLine(connector: ConnectorProcess): Promise<Record<string, unknown>> {
  const lines = createInterface({ input: connector.stdout });
  for await (const line of lines) {
    lines.close();
    return JSON.parse(line) as Record<string, unknown>;
  }
  throw new Error('connector printed nothing');
}

describe.each(targets)('$name launcher', (target) => {
  it('reaches its engine', async () => {
    if (target.kind === 'docker') await docker.ping();
    expect(target.launcher().kind).toBe(target.kind);
  });

  it('runs spec and reports a clean exit', async () => {
    await using connector = await target.launcher().start({ name: 'echo', command: 'spec' });
    connector.stdin.end();
    const [stdout, stderr, exit] = await Promise.all([text(connector.stdout), text(connector.stderr), connector.exit]);
    expect(JSON.parse(stdout)).toMatchObject({ type: 'SPEC', spec: { connectionSpecification: {} } });
    expect(stdout.endsWith('}\n')).toBe(true);
    expect(stderr).toBe('');
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('passes files as --<key> <path> and only the given environment', async () => {
    process.env.BACKFLOW_TEST_SECRET = 'must-not-leak';
    const config = { host: '127.0.0.1', password: 'p@ss "quoted"', nested: { list: [1, 2] } };
    const catalog = { streams: [] };
    await using connector = await target.launcher().start({
      name: 'echo',
      command: 'check',
      files: { config, catalog },
      env: { ECHO_GREETING: 'hello world' },
    });
    connector.stdin.end();
    const report = JSON.parse(await text(connector.stdout)) as {
      files: Record<string, { path: string; content: unknown }>;
      env: Record<string, string>;
    };
    expect(Object.keys(report.files)).toEqual(['config', 'catalog']);
    expect(report.files.config?.content).toEqual(config);
    expect(report.files.catalog?.content).toEqual(catalog);
    expect(report.files.config?.path).toMatch(/config\.json$/);
    expect(report.env.ECHO_GREETING).toBe('hello world');
    expect(report.env.BACKFLOW_TEST_SECRET).toBeUndefined();
    expect(await connector.exit).toEqual({ code: 0, signal: null });
  });

  it('echoes 1000 lines stdin to stdout in order, holding back a fast writer', async () => {
    await using connector = await target.launcher().start({ name: 'echo', command: 'write' });
    const lineCount = 1000;
    const line = (i: number): string => `${String(i).padStart(6, '0')} ${'x'.repeat(16 * 1024)}`;
    const totalBytes = lineCount * (line(0).length + 1);
    let written = 0;
    let read = 0;
    let maxInFlight = 0;
    const writing = pipeline(
      Readable.from(
        (function* () {
          for (let i = 0; i < lineCount; i++) {
            const chunk = `${line(i)}\n`;
            written += chunk.length;
            maxInFlight = Math.max(maxInFlight, written - read);
            yield chunk;
          }
        })(),
      ),
      connector.stdin,
    );
    let output = '';
    // Pull-based reading (readline would buffer): the writer must wait for this slow reader.
    for await (const chunk of connector.stdout as AsyncIterable<Buffer>) {
      output += chunk.toString();
      read += chunk.length;
      await delay(Math.ceil(chunk.length / 16_384));
    }
    await writing;
    const received = output.split('\n');
    expect(received.pop()).toBe('');
    expect(received.length).toBe(lineCount);
    expect(received.every((got, i) => got === line(i))).toBe(true);
    // Pipes, sockets and the engine buffer a few MiB; without backpressure it is nearly all.
    expect(maxInFlight).toBeLessThan(totalBytes / 2);
    expect(await connector.exit).toEqual({ code: 0, signal: null });
  });

  it('keeps stderr separate from stdout', async () => {
    await using connector = await target.launcher().start({ name: 'echo', command: 'write' });
    connector.stdin.end('{"a":1}\n{"b":2}\n');
    const [stdout, stderr] = await Promise.all([text(connector.stdout), text(connector.stderr)]);
    expect(stdout).toBe('{"a":1}\n{"b":2}\n');
    expect(stderr).toBe('echo: started\necho: stdin ended\n');
  });

  it('keeps what a connector printed before anyone read its stdout', async () => {
    await using connector = await target.launcher().start({ name: 'echo', command: 'spec' });
    connector.stdin.end();
    await connector.exit;
    expect(JSON.parse(await text(connector.stdout))).toMatchObject({ type: 'SPEC' });
  });

  it('surfaces a non-zero exit code', async () => {
    await using connector = await target.launcher().start({
      name: 'echo',
      command: 'spec',
      env: { ECHO_EXIT_CODE: '3' },
    });
    connector.stdin.end();
    connector.stdout.resume();
    expect(await connector.exit).toEqual({ code: 3, signal: null });
  });

  it('stop() ends a connector that ignores stdin with SIGTERM', async () => {
    await using connector = await target.launcher().start({ name: 'echo', command: 'hang' });
    expect(await firstLine(connector)).toMatchObject({ ready: true });
    await connector.stop('test over');
    expect(await connector.exit).toEqual({ code: null, signal: 'SIGTERM', stopReason: 'test over' });
  });

  it('stop() escalates to SIGKILL after the grace period', async () => {
    await using connector = await target.launcher({ stopGraceMs: 1000 }).start({
      name: 'echo',
      command: 'hang',
      env: { ECHO_IGNORE_SIGTERM: '1' },
    });
    expect(await firstLine(connector)).toMatchObject({ ready: true });
    await connector.stop();
    expect(await connector.exit).toEqual({ code: null, signal: 'SIGKILL', stopReason: 'stopped' });
  });

  it('stop() after exit is a no-op', async () => {
    await using connector = await target.launcher().start({ name: 'echo', command: 'spec' });
    connector.stdin.end();
    connector.stdout.resume();
    await connector.exit;
    await connector.stop('late');
    expect(await connector.exit).toEqual({ code: 0, signal: null });
  });

  it('fails writes to a connector that has exited, without crashing the runner', async () => {
    await using connector = await target.launcher().start({ name: 'echo', command: 'spec' });
    connector.stdout.resume();
    connector.stderr.resume();
    await connector.exit;
    // No 'error' listener here on purpose: an unhandled 'error' event would kill this worker.
    const results: (Error | null | undefined)[] = [];
    for (let i = 0; i < 20; i++) {
      results.push(await new Promise((resolve) => connector.stdin.write(`${'x'.repeat(65_536)}\n`, resolve)));
    }
    expect(results.filter(Boolean).length).toBeGreaterThan(0);
  });

  it('rejects file keys that are not plain words', async () => {
    await expect(
      target.launcher().start({ name: 'echo', command: 'check', files: { '../x': {} } }),
    ).rejects.toMatchObject({ code: 'INVALID_INVOCATION' });
  });
});

describe('ProcessLauncher', () => {
  it('keeps files in a private temp dir that is removed on exit', async () => {
    const launcher = new ProcessLauncher({ command: [process.execPath, ECHO_MAIN] });
    await using connector = await launcher.start({
      name: 'echo',
      command: 'hang',
      files: { config: { secret: 's' } },
    });
    const { files } = (await firstLine(connector)) as { files: { config: string } };
    expect((await stat(files.config)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(files.config))).mode & 0o777).toBe(0o700);
    await connector.stop();
    await expect(stat(dirname(files.config))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails to start a program that does not exist, naming it', async () => {
    const launcher = new ProcessLauncher({ command: ['/nonexistent/connector'] });
    const error = await launcher.start({ name: 'ghost', command: 'spec' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LauncherError);
    expect(error).toMatchObject({ code: 'SPAWN_FAILED' });
    expect((error as Error).message).toMatch(/ghost.*\/nonexistent\/connector/);
  });
});

describe('ProcessLauncher in a runner process', () => {
  // Runs the built launcher in its own node process, as the runner CLI does.
  const LAUNCHERS_DIST = new URL('../dist/launchers/index.js', import.meta.url).href;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'launcher-parent-'));
    await writeFile(
      join(dir, 'parent.mjs'),
      [
        `import { ProcessLauncher } from ${JSON.stringify(LAUNCHERS_DIST)};`,
        `import { createInterface } from 'node:readline';`,
        `const launcher = new ProcessLauncher({ command: [process.execPath, ${JSON.stringify(ECHO_MAIN)}] });`,
        `process.once('SIGTERM', async () => {`,
        `  await connector.stop('runner got SIGTERM');`,
        `  console.log(JSON.stringify({ exit: await connector.exit }));`,
        `  process.exitCode = 130;`,
        `});`,
        `const connector = await launcher.start({ name: 'echo', command: 'hang' });`,
        `for await (const line of createInterface({ input: connector.stdout })) { console.log(line); break; }`,
        `if (process.argv[2] === 'exit') process.exit(0);`,
      ].join('\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** False once the process is gone or a zombie. */
  async function alive(pid: number): Promise<boolean> {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    return stat !== '' && !/^\d+ \(.*\) Z/.test(stat);
  }

  it('leaves SIGTERM to the runner, which stops its connectors itself', async () => {
    const parent = execa(process.execPath, [join(dir, 'parent.mjs')], { reject: false });
    const lines = createInterface({ input: parent.stdout! });
    const outputs: string[] = [];
    for await (const line of lines) {
      outputs.push(line);
      if (outputs.length === 1) parent.kill('SIGTERM');
    }
    const result = await parent;
    expect(result.exitCode).toBe(130);
    expect(JSON.parse(outputs[1]!)).toEqual({
      exit: { code: null, signal: 'SIGTERM', stopReason: 'runner got SIGTERM' },
    });
  });

  it('kills connectors still running when the runner exits', async () => {
    const { stdout } = await execa(process.execPath, [join(dir, 'parent.mjs'), 'exit']);
    const { pid } = JSON.parse(stdout) as { pid: number };
    await expect.poll(() => alive(pid)).toBe(false);
  });
});

describe.runIf(dockerUp || requireDocker)('DockerLauncher', () => {
  async function managedContainers(runId: string): Promise<Docker.ContainerInfo[]> {
    return docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.managed}=true`, `${LABELS.run}=${runId}`] },
    });
  }

  /** Resolves once the engine has destroyed every container of `runId` still there, as its events tell. */
  async function runDestroyed(runId: string): Promise<void> {
    const events = (await docker.getEvents({
      filters: { type: ['container'], event: ['destroy'], label: [`${LABELS.run}=${runId}`] },
    })) as Readable;
    try {
      // Listed after subscribing: one destroyed in between is either not listed or has its event.
      const left = new Set((await managedContainers(runId)).map((c) => c.Id));
      if (left.size === 0) return;
      for await (const line of createInterface({ input: events })) {
        left.delete((JSON.parse(line) as { id: string }).id);
        if (left.size === 0) return;
      }
    } finally {
      events.destroy();
    }
  }

  it('sandboxes the connector: nobody, read-only root, tmpfs /tmp, no network, read-only files', async () => {
    await using connector = await new DockerLauncher({ image: ECHO_IMAGE, docker }).start({
      name: 'echo',
      command: 'check',
      files: { config: { a: 1 } },
    });
    connector.stdin.end();
    const report = JSON.parse(await text(connector.stdout)) as Record<string, unknown>;
    expect(report).toMatchObject({
      uid: 65534,
      appWritable: false,
      tmpWritable: true,
      interfaces: ['lo'],
      files: { config: { path: '/run/backflow/config.json', content: { a: 1 }, writable: false } },
    });
  });

  it('uses the host network when asked', async () => {
    await using connector = await new DockerLauncher({
      image: ECHO_IMAGE,
      docker,
      network: 'host',
    }).start({ name: 'echo', command: 'check' });
    connector.stdin.end();
    const report = JSON.parse(await text(connector.stdout)) as { interfaces: string[] };
    expect(report.interfaces.length).toBeGreaterThan(1);
  });

  it('labels and limits its containers, and removes them and their files on dispose', async () => {
    const launcher = new DockerLauncher({ image: ECHO_IMAGE, docker, memoryMb: 256, cpus: 0.5 });
    let files: Docker.ContainerInspectInfo['Mounts'][number] | undefined;
    {
      await using connector = await launcher.start({
        name: 'echo',
        command: 'hang',
        files: { config: {} },
      });
      await firstLine(connector);
      const [info, ...others] = await managedContainers(launcher.runId);
      expect(others).toEqual([]);
      const inspected = await docker.getContainer(info!.Id).inspect();
      expect(inspected.Config.Labels).toMatchObject({
        [LABELS.managed]: 'true',
        [LABELS.run]: launcher.runId,
        [LABELS.connector]: 'echo',
        [LABELS.owner]: expect.stringMatching(new RegExp(`/${process.pid}$`)),
      });
      expect(inspected.Config.User).toBe('65534:65534');
      expect(inspected.HostConfig).toMatchObject({
        ReadonlyRootfs: true,
        NetworkMode: 'none',
        Memory: 256 * 1024 * 1024,
        NanoCpus: 500_000_000,
        CapDrop: ['ALL'],
        LogConfig: { Type: 'none' },
      });
      // The files are mounted read-only from a folder only the runner's user can reach.
      files = inspected.Mounts.find((m) => m.Destination === '/run/backflow');
      expect(files).toMatchObject({ Type: 'bind', RW: false });
      expect((await stat(dirname(files!.Source))).mode & 0o777).toBe(0o700);
      // The output is deliberately left unread: dispose must not depend on it.
    }
    expect(await managedContainers(launcher.runId)).toEqual([]);
    await expect(stat(dirname(files!.Source))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('copies the files in when the engine refuses to mount them, and removes their volume on dispose', async () => {
    // An engine that does not see the host's temp folder (a snap's private /tmp) refuses the mount.
    const refusing = Object.create(docker) as Docker;
    refusing.createContainer = (spec) =>
      spec.HostConfig?.Mounts
        ? Promise.reject(Object.assign(new Error('bind source path does not exist'), { statusCode: 400 }))
        : docker.createContainer(spec);
    const launcher = new DockerLauncher({ image: ECHO_IMAGE, docker: refusing });
    let volume: string | undefined;
    for (const content of [{ a: 1 }, { a: 2 }]) {
      await using connector = await launcher.start({ name: 'echo', command: 'check', files: { config: content } });
      const [info] = await managedContainers(launcher.runId);
      volume = (await docker.getContainer(info!.Id).inspect()).Mounts.find(
        (m) => m.Destination === '/run/backflow',
      )?.Name;
      connector.stdin.end();
      const report = JSON.parse(await text(connector.stdout)) as Record<string, unknown>;
      expect(report).toMatchObject({ files: { config: { content, writable: false } } });
    }
    expect(volume).toBeTruthy();
    await containersRemoved();
    await expect(docker.getVolume(volume!).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('removes a container by itself once it has exited and its output was read', async () => {
    const launcher = new DockerLauncher({ image: ECHO_IMAGE, docker });
    const connector = await launcher.start({ name: 'echo', command: 'spec' });
    connector.stdin.end();
    await Promise.all([text(connector.stdout), text(connector.stderr), connector.exit]);
    await expect.poll(() => managedContainers(launcher.runId)).toEqual([]);
  });

  it('does not hold dispose for the removal of a connector that ended by itself; containersRemoved() waits for it', async () => {
    const launcher = new DockerLauncher({ image: ECHO_IMAGE, docker });
    {
      await using connector = await launcher.start({ name: 'echo', command: 'spec' });
      connector.stdin.end();
      await Promise.all([text(connector.stdout), text(connector.stderr), connector.exit]);
    }
    await containersRemoved();
    expect(await managedContainers(launcher.runId)).toEqual([]);
  });

  it('removeStaleContainers removes containers of dead runners, or of a run, never live ones', async () => {
    const exited = execa(process.execPath, ['-e', '']);
    await exited;
    const deadPid = exited.pid!;
    const orphan = await docker.createContainer({
      Image: ECHO_IMAGE,
      Cmd: ['spec'],
      Labels: {
        [LABELS.managed]: 'true',
        [LABELS.run]: 'crashed-run',
        [LABELS.owner]: `${hostname()}/${deadPid}`,
      },
    });
    try {
      const launcher = new DockerLauncher({ image: ECHO_IMAGE, docker });
      await using live = await launcher.start({ name: 'echo', command: 'hang' });
      await firstLine(live);

      const removed = await removeStaleContainers(docker);
      expect(removed).toContain(orphan.id);
      await expect(orphan.inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(await managedContainers(launcher.runId)).toHaveLength(1);

      expect(await removeStaleContainers(docker, { runId: launcher.runId })).toHaveLength(1);
      expect(await managedContainers(launcher.runId)).toEqual([]);
      expect(await live.exit).toEqual({ code: null, signal: 'SIGKILL' });
    } finally {
      await orphan.remove({ force: true }).catch(() => undefined);
    }
  });

  it('reads the image before the first start, as soon as it is made', async () => {
    const inspected: string[] = [];
    const watched = Object.create(docker) as Docker;
    watched.getImage = (name) => {
      inspected.push(name);
      return docker.getImage(name);
    };
    const launcher = new DockerLauncher({ image: ECHO_IMAGE, docker: watched });
    await expect.poll(() => inspected).toEqual([ECHO_IMAGE]);
    await using connector = await launcher.start({ name: 'echo', command: 'spec' });
    connector.stdin.end();
    await connector.exit;
    expect(inspected).toEqual([ECHO_IMAGE]);
  });

  it('names a missing image and how to build it', async () => {
    const launcher = new DockerLauncher({ image: 'backflow/no-such-connector:9.9.9', docker });
    const error = await launcher.start({ name: 'x', command: 'spec' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    expect((error as Error).message).toContain('backflow/no-such-connector:9.9.9');
    expect((error as Error).message).toContain('node scripts/build-images.mjs no-such-connector');
  });

  it('gives an image labelled for it named pipes for stdin and stdout, attaching only stderr', async () => {
    await using connector = await new DockerLauncher({ image: ECHO_FIFO_IMAGE, docker }).start({
      name: 'echo',
      command: 'check',
      files: { config: { a: 1 } },
    });
    const report = JSON.parse(await text(connector.stdout)) as { env: Record<string, string> };
    expect(report.env).toMatchObject({
      BACKFLOW_STDIN: '/run/backflow/stdin',
      BACKFLOW_STDOUT: '/run/backflow/stdout',
    });
    expect(await connector.exit).toEqual({ code: 0, signal: null });
  });

  it('takes the exit code from the exit line of a connector with named pipes, without waiting for the engine', async () => {
    // An engine whose wait never answers: the exit can only come from the line.
    const silent = Object.create(docker) as Docker;
    silent.createContainer = async (spec) => {
      const container = await docker.createContainer(spec);
      container.wait = () => new Promise(() => undefined);
      return container;
    };
    const launcher = new DockerLauncher({ image: ECHO_FIFO_IMAGE, docker: silent });
    {
      await using connector = await launcher.start({ name: 'echo', command: 'write', env: { ECHO_EXIT_CODE: '3' } });
      connector.stdin.end('{"a":1}\n');
      const [stdout, stderr, exit] = await Promise.all([
        text(connector.stdout),
        text(connector.stderr),
        connector.exit,
      ]);
      expect(stdout).toBe('{"a":1}\n');
      expect(stderr).toBe('echo: started\necho: stdin ended\n');
      expect(exit).toEqual({ code: 3, signal: null });
    }
    await containersRemoved();
    // The engine removes the container as it exits, which the run does not wait for.
    await runDestroyed(launcher.runId);
    expect(await managedContainers(launcher.runId)).toEqual([]);
  });

  it('still attaches stdin and stdout for an image without the label', async () => {
    await using connector = await new DockerLauncher({ image: ECHO_IMAGE, docker }).start({
      name: 'echo',
      command: 'check',
      files: { config: { a: 1 } },
    });
    connector.stdin.end();
    const report = JSON.parse(await text(connector.stdout)) as { env: Record<string, string> };
    expect(report.env.BACKFLOW_STDIN).toBeUndefined();
    expect(report.env.BACKFLOW_STDOUT).toBeUndefined();
  });

  it('ends stdout and fails stdin when a container with named pipes dies before opening them', async () => {
    await using connector = await new DockerLauncher({ image: ECHO_FIFO_IMAGE, docker }).start({
      name: 'echo',
      command: 'no-such-command',
    });
    const [stdout, stderr, exit] = await Promise.all([text(connector.stdout), text(connector.stderr), connector.exit]);
    expect(stdout).toBe('');
    expect(stderr).toBe('echo: unknown command no-such-command\n');
    expect(exit).toEqual({ code: 2, signal: null });
    const written = await new Promise((resolve) => connector.stdin.write('{}\n', resolve));
    expect(written).toMatchObject({ code: 'EPIPE' });
  });

  it('says clearly when the engine cannot be reached', async () => {
    const nowhere = new Docker({ socketPath: '/nonexistent/docker.sock' });
    const launcher = new DockerLauncher({ image: ECHO_IMAGE, docker: nowhere });
    await expect(launcher.start({ name: 'echo', command: 'spec' })).rejects.toMatchObject({
      code: 'DOCKER_UNAVAILABLE',
      message: expect.stringMatching(/cannot reach the Docker engine/),
    });
  });
});
