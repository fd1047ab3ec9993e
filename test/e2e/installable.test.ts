import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../support/workspace.js';

// The published shape of Backflow: the packed tarballs installed into an empty project, used
// through `npx runner` and through the library, with nothing from the monorepo in reach.
const PACKAGES = [
  'protocol',
  'runner',
  'connectors/postgres-common',
  'connectors/source-duckdb',
  'connectors/destination-file',
  'connectors/destination-postgres',
];
const INSTALL_TIMEOUT_MS = 600_000;

/** An embedder's script: it must type-check with skipLibCheck off, then run. */
const EMBED_SCRIPT = `import { EXIT_CODES, sync, type SyncEvent } from '@backflow/runner';
import type * as protocol from '@backflow/protocol';
import type * as sdk from '@backflow/protocol/connector';
import type * as destinationFile from '@backflow/destination-file';
import type * as destinationPostgres from '@backflow/destination-postgres';
import type * as sourceDuckdb from '@backflow/source-duckdb';

export type Published = [typeof protocol, typeof sdk, typeof destinationFile, typeof destinationPostgres, typeof sourceDuckdb];

// As in runner/README.md's Embedding section.
const abort = new AbortController();
process.once('SIGTERM', () => abort.abort());
const events: SyncEvent['type'][] = [];
const summary = await sync(process.argv[2]!, {
  signal: abort.signal,
  onEvent: (event: SyncEvent) => {
    events.push(event.type);
    if (event.type === 'log' && event.level === 'error') console.error(\`\${event.origin}: \${event.message}\`);
  },
});
if (summary.exitCode === EXIT_CODES.rejected) {
  for (const r of summary.rejections) console.warn(r.stream, r.reason);
} else if (summary.exitCode !== EXIT_CODES.success) {
  throw new Error(\`sync \${summary.run ?? ''} failed: \${summary.error?.message}\`);
}
console.log(JSON.stringify({ events: [...new Set(events)], totals: summary.totals }));
`;

let root: string;
let project: string;
let packed: { name: string; filename: string; files: { path: string }[] }[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'backflow-installable-'));
  project = join(root, 'project');
  const tarballs = join(root, 'tarballs');
  await mkdir(project);
  await mkdir(tarballs);
  const pack = await execa(
    'npm',
    ['pack', '--json', '--pack-destination', tarballs, ...PACKAGES.flatMap((p) => ['-w', p])],
    { cwd: REPO_ROOT },
  );
  packed = JSON.parse(pack.stdout) as typeof packed;
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'embedder', private: true, type: 'module', allowScripts: { 'better-sqlite3': true } }),
  );
  // Offline, npm cannot resolve version ranges: `npm ci` filled the cache with tarballs but no
  // registry metadata. --prefer-offline takes what the cache has and only asks the registry for
  // the rest (here: nothing it can reach), so the install below uses the cache alone.
  // better-sqlite3's install script looks for a prebuilt binary before compiling; the repo's
  // own build, of the same version for the same Node, is offered as that local prebuild.
  const prebuilds = join(root, 'prebuilds');
  await mkdir(prebuilds);
  const { version } = JSON.parse(
    await readFile(join(REPO_ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8'),
  ) as { version: string };
  const prebuild = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await execa(
    'tar',
    ['-czf', join(prebuilds, prebuild), '-C', 'node_modules/better-sqlite3', 'build/Release/better_sqlite3.node'],
    {
      cwd: REPO_ROOT,
    },
  );
  await execa(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      ...packed.map((p) => join(tarballs, p.filename)),
      '@types/node@^20',
      'typescript@5.9',
    ],
    { cwd: project, env: { npm_config_better_sqlite3_local_prebuilds: prebuilds } },
  );
  await execa(process.execPath, ['examples/sample-warehouse/create.mjs', '--path', join(root, 'warehouse.duckdb')], {
    cwd: REPO_ROOT,
  });
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A connection from the sample warehouse into files, with connectors named as installed packages. */
async function writeConnection(name: string, destination: object): Promise<string> {
  const file = join(project, `${name}.yaml`);
  await writeFile(
    file,
    stringify({
      name,
      source: { connector: '@backflow/source-duckdb', config: { path: join(root, 'warehouse.duckdb') } },
      destination,
      streams: [{ name: 'crm_contacts', primary_key: ['customer_id'], behaviour: 'mirror' }],
    }),
  );
  return file;
}

async function csvRows(file: string): Promise<number> {
  return (await readFile(file, 'utf8')).trim().split('\n').length - 1;
}

describe('the packed packages', () => {
  it('ship dist, bin, schemas, spec.json, README and CHANGELOG; no sources or tests', () => {
    for (const pkg of packed) {
      const paths = pkg.files.map((f) => f.path);
      expect(paths, pkg.name).toContain('README.md');
      expect(paths, pkg.name).toContain('CHANGELOG.md');
      expect(paths.some((p) => p.startsWith('dist/') && p.endsWith('.d.ts'))).toBe(true);
      expect(
        paths.filter((p) => /(^|\/)(src|test)\/|\.test\.|tsconfig|tsbuildinfo/.test(p)),
        pkg.name,
      ).toEqual([]);
    }
    const connector = packed.find((p) => p.name === '@backflow/destination-file')!.files.map((f) => f.path);
    expect(connector).toEqual(expect.arrayContaining(['bin/main.js', 'spec.json', 'dist/index.js']));
    const runner = packed.find((p) => p.name === '@backflow/runner')!.files.map((f) => f.path);
    expect(runner).toEqual(expect.arrayContaining(['bin/runner.js', 'schemas/connection.json', 'dist/index.d.ts']));
  });

  it('type-check with skipLibCheck off: an embedding script compiles', async () => {
    await writeFile(join(project, 'embed.ts'), EMBED_SCRIPT);
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          types: ['node'],
          outDir: 'out',
        },
        files: ['embed.ts'],
      }),
    );
    const tsc = await execa('npx', ['tsc', '-p', '.'], { cwd: project, reject: false });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.exitCode).toBe(0);
  }, 120_000);
});

describe('an installed runner', () => {
  it('syncs with `npx runner sync` and connectors given as installed package names', async () => {
    const output = join(root, 'out-cli');
    await writeConnection('cli', {
      connector: '@backflow/destination-file',
      config: { directory: output, format: 'csv' },
    });
    const result = await execa('npx', ['runner', 'sync', 'cli.yaml', '--json'], { cwd: project, reject: false });
    expect(result.stderr).not.toMatch(/"level":"error"/);
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as { status: string; totals: { committed: number } };
    expect(summary.status).toBe('succeeded');
    expect(summary.totals.committed).toBeGreaterThan(0);
    expect(await csvRows(join(output, 'crm_contacts.csv'))).toBe(summary.totals.committed);
    // The state lives next to the connection file, in the project.
    const again = await execa('npx', ['runner', 'sync', 'cli.yaml', '--json'], { cwd: project });
    expect(JSON.parse(again.stdout).totals).toMatchObject({ sent: 0, unchanged: summary.totals.committed });
  }, 120_000);

  it('finds the installed connectors from the connection file when started elsewhere (cron from /)', async () => {
    const output = join(root, 'out-cron');
    const file = await writeConnection('cron', {
      connector: 'destination-file',
      config: { directory: output, format: 'jsonl' },
    });
    const result = await execa(join(project, 'node_modules/.bin/runner'), ['sync', file, '--json'], {
      cwd: '/',
      reject: false,
    });
    expect(result.exitCode).toBe(0);
    const lines = (await readFile(join(output, 'crm_contacts.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.length).toBe(JSON.parse(result.stdout).totals.committed);
  }, 120_000);

  it('runs a connector given as a command, and names where it looked for an unknown one', async () => {
    const output = join(root, 'out-command');
    await writeConnection('command', {
      command: `node ${join(project, 'node_modules/@backflow/destination-file/bin/main.js')}`,
      config: { directory: output, format: 'jsonl' },
    });
    const ok = await execa('npx', ['runner', 'sync', 'command.yaml', '--json'], { cwd: project, reject: false });
    expect(ok.exitCode).toBe(0);
    await writeConnection('unknown', { connector: 'destination-nope', config: {} });
    const unknown = await execa('npx', ['runner', 'sync', 'unknown.yaml', '--json'], { cwd: project, reject: false });
    expect(unknown.exitCode).not.toBe(0);
    expect(JSON.parse(unknown.stdout).error.message).toMatch(
      /unknown connector "destination-nope" \(looked in node_modules from .*install @backflow\/destination-nope.*\); known connectors: destination-file, destination-postgres, source-duckdb/,
    );
  }, 120_000);

  it('is a library: the embedding script runs and sees events and a summary', async () => {
    const output = join(root, 'out-embed');
    const file = await writeConnection('embed', {
      connector: 'destination-file',
      config: { directory: output, format: 'csv' },
    });
    const run = await execa(process.execPath, ['out/embed.js', file], { cwd: project, reject: false });
    expect(run.stderr).toBe('');
    const { events, totals } = JSON.parse(run.stdout) as { events: string[]; totals: { committed: number } };
    expect(events).toEqual(expect.arrayContaining(['started', 'committed', 'finished']));
    expect(await csvRows(join(output, 'crm_contacts.csv'))).toBe(totals.committed);
  }, 120_000);
});
