import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
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
    for (const name of ['no-such-connector', '../echo', 'echo/../echo']) {
      await expect(
        resolveConnector({ name }, { executor: 'process', connectorsDir: FIXTURE_CONNECTORS }),
      ).rejects.toMatchObject({
        code: 'UNKNOWN_CONNECTOR',
        message: expect.stringMatching(/^unknown connector .*; known connectors in .*: (.*, )?echo(, .*)?$/),
      });
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
