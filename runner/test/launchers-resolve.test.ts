import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CONNECTORS_ENV,
  DEFAULT_CONNECTORS_DIR,
  DockerLauncher,
  ProcessLauncher,
  resolveConnector,
  type Launcher,
} from '../src/launchers/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE_CONNECTORS = join(REPO_ROOT, 'test/fixtures/connectors');
const ECHO_MAIN = join(FIXTURE_CONNECTORS, 'echo/bin/main.js');

async function specOf(launcher: Launcher): Promise<unknown> {
  await using connector = await launcher.start({ name: 'echo', command: 'spec' });
  connector.stdin.end();
  return JSON.parse(await text(connector.stdout));
}

describe('resolveConnector', () => {
  it('runs a connector package by name as a local node process', async () => {
    const launcher = await resolveConnector(
      { name: 'echo' },
      { executor: 'process', connectorsDir: FIXTURE_CONNECTORS },
    );
    expect(launcher).toBeInstanceOf(ProcessLauncher);
    expect(await specOf(launcher)).toMatchObject({ type: 'SPEC' });
  });

  it('maps a package folder to backflow/<package name>:<package version> for Docker', async () => {
    const launcher = await resolveConnector(
      { name: '@backflow/echo' },
      { executor: 'docker', connectorsDir: FIXTURE_CONNECTORS, docker: { memoryMb: 128 } },
    );
    expect(launcher).toBeInstanceOf(DockerLauncher);
    expect((launcher as DockerLauncher).image).toBe('backflow/fixture-echo:0.0.0');
  });

  it('finds the repository connectors by default', async () => {
    expect(DEFAULT_CONNECTORS_DIR).toBe(join(REPO_ROOT, 'connectors/'));
    const launcher = await resolveConnector({ name: 'destination-postgres' }, { executor: 'docker' });
    expect((launcher as DockerLauncher).image).toMatch(/^backflow\/destination-postgres:\d+\.\d+\.\d+/);
  });

  it('lists the known connectors when the name is unknown', async () => {
    await expect(
      resolveConnector({ name: 'no-such-connector' }, { executor: 'process', connectorsDir: FIXTURE_CONNECTORS }),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_CONNECTOR',
      message: expect.stringMatching(
        /^unknown connector "no-such-connector" \(looked in .*fixtures\/connectors.*install @backflow\/no-such-connector.*\); known connectors: (.*, )?echo(, .*)?$/,
      ),
    });
  });

  it('refuses a name that is not a package name, such as a path', async () => {
    for (const name of ['../echo', 'echo/../echo', '/tmp/echo']) {
      await expect(
        resolveConnector({ name }, { executor: 'process', connectorsDir: FIXTURE_CONNECTORS }),
      ).rejects.toMatchObject({
        code: 'UNKNOWN_CONNECTOR',
        message: `unknown connector "${name}": not a package name`,
      });
    }
  });

  it('finds a connector installed in node_modules above a folder, by package name', async () => {
    const project = await mkdtemp(join(tmpdir(), 'backflow-resolve-'));
    try {
      const installed = join(project, 'node_modules/@acme/destination-thing');
      await mkdir(join(installed, 'bin'), { recursive: true });
      await writeFile(
        join(installed, 'package.json'),
        JSON.stringify({ name: '@acme/destination-thing', version: '1.2.3', bin: { thing: 'bin/run.js' } }),
      );
      await cp(ECHO_MAIN, join(installed, 'bin/run.js'));
      const nested = join(project, 'connections/prod');
      await mkdir(nested, { recursive: true });
      const ref = { name: '@acme/destination-thing' };
      await expect(resolveConnector(ref, { executor: 'process' })).rejects.toMatchObject({ code: 'UNKNOWN_CONNECTOR' });
      const launcher = await resolveConnector(ref, { executor: 'process', searchFrom: [nested] });
      expect(await specOf(launcher)).toMatchObject({ type: 'SPEC' });
      const image = await resolveConnector(ref, { executor: 'docker', searchFrom: [nested] });
      expect((image as DockerLauncher).image).toBe('backflow/destination-thing:1.2.3');
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });

  it('reads connector folders from BACKFLOW_CONNECTORS when no folder is given', async () => {
    const saved = process.env[CONNECTORS_ENV];
    process.env[CONNECTORS_ENV] = ['/nonexistent', FIXTURE_CONNECTORS].join(delimiter);
    try {
      const launcher = await resolveConnector({ name: 'echo' }, { executor: 'process' });
      expect(await specOf(launcher)).toMatchObject({ type: 'SPEC' });
    } finally {
      if (saved === undefined) delete process.env[CONNECTORS_ENV];
      else process.env[CONNECTORS_ENV] = saved;
    }
  });

  it('runs a command line as a process, split like a shell would but without one', async () => {
    const launcher = await resolveConnector(
      { command: `"${process.execPath}" '${ECHO_MAIN}'` },
      { executor: 'docker' },
    );
    expect(launcher.kind).toBe('process');
    expect(await specOf(launcher)).toMatchObject({ type: 'SPEC' });
  });

  it('rejects an empty or unbalanced command', async () => {
    for (const command of ['', '   ', `node "main.js`]) {
      await expect(resolveConnector({ command }, { executor: 'process' })).rejects.toMatchObject({
        code: 'INVALID_INVOCATION',
      });
    }
  });

  it('runs an image in Docker whatever the executor', async () => {
    const launcher = await resolveConnector({ image: 'example/thing:1.2.3' }, { executor: 'process' });
    expect(launcher.kind).toBe('docker');
    expect((launcher as DockerLauncher).image).toBe('example/thing:1.2.3');
  });
});
