import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConnectorImage, stageConnector } from '../../scripts/build-images.mjs';
import { DockerLauncher, LABELS } from '../src/launchers/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const docker = new Docker();
const dockerUp = await docker.ping().then(
  () => true,
  () => false,
);
const requireDocker = process.env.BACKFLOW_REQUIRE_DOCKER === '1';

/** Writes `files` (path -> content; objects as JSON) under `root`. */
async function writeTree(root: string, files: Record<string, unknown>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
}

/** A CommonJS package whose index reports its version and its dependencies' reports. */
function pkg(name: string, version: string, deps: string[] = [], extra: object = {}): Record<string, unknown> {
  const requires = deps.map((d) => `${JSON.stringify(d)}: require(${JSON.stringify(d)})`).join(', ');
  return {
    'package.json': { name, version, main: 'index.js', ...extra },
    'index.js': `module.exports = { version: ${JSON.stringify(version)}, deps: { ${requires} } };`,
    'README.md': '# docs are not needed at run time',
    'index.d.ts': 'export {};',
  };
}

function prefixed(prefix: string, files: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [join(prefix, path), content]));
}

describe('stageConnector', () => {
  let root: string;
  let stage: string;

  beforeAll(async () => {
    // A small npm-workspaces monorepo: a hoisted and a nested version of `b`, a workspace
    // package linked into node_modules with its own nested dependency, optional and peer deps.
    root = await mkdtemp(join(tmpdir(), 'stage-repo-'));
    await writeTree(root, {
      'package.json': { name: 'repo', private: true, workspaces: ['packages/*', 'connectors/*'] },
      ...prefixed('node_modules/a', pkg('a', '1.0.0', ['b'], { dependencies: { b: '^2' } })),
      ...prefixed('node_modules/a/node_modules/b', pkg('b', '2.0.0')),
      ...prefixed('node_modules/b', pkg('b', '1.0.0')),
      ...prefixed('node_modules/peer', pkg('peer', '1.0.0')),
      ...prefixed('node_modules/optional-peer', pkg('optional-peer', '1.0.0')),
      ...prefixed('node_modules/unused', pkg('unused', '1.0.0')),
      ...prefixed(
        'packages/proto',
        pkg('@x/proto', '0.1.0', ['b', 'd'], {
          main: 'dist/index.js',
          files: ['dist'],
          dependencies: { b: '^1', d: '^1' },
          peerDependencies: { peer: '*', 'optional-peer': '*' },
          peerDependenciesMeta: { 'optional-peer': { optional: true } },
        }),
      ),
      'packages/proto/dist/index.js': `module.exports = { version: '0.1.0', deps: { b: require('b'), d: require('d') } };`,
      'packages/proto/src/index.ts': 'export {};',
      ...prefixed('packages/proto/node_modules/d', pkg('d', '1.0.0')),
      'connectors/conn/package.json': {
        name: '@x/conn',
        version: '0.2.0',
        type: 'module',
        dependencies: { a: '*', b: '*', '@x/proto': '*' },
        optionalDependencies: { 'not-installed-on-this-platform': '*' },
      },
      'connectors/conn/bin/main.js': [
        "import a from 'a';",
        "import b from 'b';",
        "import proto from '@x/proto';",
        "import { version } from '../dist/index.js';",
        'console.log(JSON.stringify({ version, a, b, proto }));',
      ].join('\n'),
      'connectors/conn/dist/index.js': "export const version = 'conn 0.2.0';",
      'connectors/conn/dist/index.js.map': '{}',
      'connectors/conn/src/index.ts': 'export {};',
      'connectors/conn/spec.json': { connectionSpecification: {} },
    });
    await mkdir(join(root, 'node_modules/@x'));
    await symlink('../../packages/proto', join(root, 'node_modules/@x/proto'));
    stage = await mkdtemp(join(tmpdir(), 'stage-out-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(stage, { recursive: true, force: true });
  });

  it('stages what Node resolves, where it resolves it, and nothing else', async () => {
    const staged = await stageConnector(join(root, 'connectors/conn'), stage, { repoRoot: root });
    expect(staged).toEqual([
      'node_modules/@x/proto',
      'node_modules/@x/proto/node_modules/d',
      'node_modules/a',
      'node_modules/a/node_modules/b',
      'node_modules/b',
      'node_modules/peer',
    ]);
    // Run from the stage alone: every import must resolve inside it, to the right version.
    const { stdout } = await execa(process.execPath, [join(stage, 'bin/main.js')]);
    expect(JSON.parse(stdout)).toEqual({
      version: 'conn 0.2.0',
      a: { version: '1.0.0', deps: { b: { version: '2.0.0', deps: {} } } },
      b: { version: '1.0.0', deps: {} },
      proto: { version: '0.1.0', deps: { b: { version: '1.0.0', deps: {} }, d: { version: '1.0.0', deps: {} } } },
    });
    const exists = (path: string): Promise<boolean> =>
      readFile(join(stage, path)).then(
        () => true,
        () => false,
      );
    expect(await exists('spec.json')).toBe(true);
    expect(await exists('src/index.ts')).toBe(false);
    expect(await exists('dist/index.js.map')).toBe(false);
    expect(await exists('node_modules/a/README.md')).toBe(false);
    expect(await exists('node_modules/a/index.d.ts')).toBe(false);
    expect(await exists('node_modules/@x/proto/src/index.ts')).toBe(false);
  });

  it('names a dependency that is not installed', async () => {
    const dir = join(root, 'connectors/broken');
    await writeTree(dir, {
      'package.json': { name: 'broken', version: '1.0.0', dependencies: { missing: '*' } },
    });
    const out = await mkdtemp(join(tmpdir(), 'stage-out-'));
    try {
      await expect(stageConnector(dir, out, { repoRoot: root })).rejects.toThrow(
        /cannot resolve missing, a dependency of broken/,
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe.runIf(dockerUp || requireDocker)('buildConnectorImage', () => {
  const id = randomBytes(4).toString('hex');
  const tag = `backflow/fixture-build-test-${id}:1.2.3`;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'build-test-'));
    await cp(join(REPO_ROOT, 'test/fixtures/connectors/echo'), dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        ...manifest,
        name: `@backflow/fixture-build-test-${id}`,
        version: '1.2.3',
        backflow: { network: 'host' },
      }),
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    if (dockerUp)
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('tags the image with the package name and version, and labels it from package.json', async () => {
    expect(await buildConnectorImage(dir, { docker })).toBe(tag);
    const image = await docker.getImage(tag).inspect();
    expect(image.Config.Labels).toMatchObject({
      [LABELS.connector]: `fixture-build-test-${id}`,
      [LABELS.version]: '1.2.3',
      [LABELS.network]: 'host',
    });
    expect(image.Config.User).toBe('65534:65534');
    expect(image.Config.Entrypoint).toEqual(['node', '/app/bin/main.js']);
  });

  it('runs the image with the network its label asks for', async () => {
    await using connector = await new DockerLauncher({ image: tag, docker }).start({
      name: 'build-test',
      command: 'check',
    });
    connector.stdin.end();
    const report = JSON.parse(await text(connector.stdout)) as { interfaces: string[]; uid: number };
    expect(report.uid).toBe(65534);
    expect(report.interfaces.length).toBeGreaterThan(1);
  });
});
