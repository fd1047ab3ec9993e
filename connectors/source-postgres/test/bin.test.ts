import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirbyteMessage } from '@backflow/protocol';
import { configuredCatalog as configure } from '@backflow/protocol/testing';
import { createTestDatabase, type TestDatabase } from './database.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '..', '..');
const bin = join(packageDir, 'bin', 'main.js');

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  // The process runs the built dist/, as a released connector does.
  await promisify(execFile)('npx', ['tsc', '-b', 'connectors/source-postgres'], { cwd: repoRoot });
  db = await createTestDatabase('sp_bin');
  await db.sql(`
    CREATE TABLE accounts (id bigint PRIMARY KEY, name text, balance numeric(20,4), updated_at timestamptz NOT NULL);
    INSERT INTO accounts SELECT g, 'acct ' || g, g * 1.5, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
    FROM generate_series(1, 2500) g;
  `);
  dir = await mkdtemp(join(tmpdir(), 'source-postgres-bin-'));
});

afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; lines: AirbyteMessage[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stdout
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as AirbyteMessage);
      resolve({ code, lines, stderr });
    });
  });
}

describe('bin/main.js', () => {
  it('discovers, then reads incrementally as NDJSON with checkpoints', async () => {
    const configPath = join(dir, 'config.json');
    await writeFile(
      configPath,
      JSON.stringify({ ...db.config, password: 'not-needed-secret', checkpoint_interval: 1000 }),
    );

    const discovered = await run(['discover', '--config', configPath]);
    expect(discovered.code).toBe(0);
    const stream = discovered.lines.find((line) => line.type === 'CATALOG')!.catalog!.streams[0]!;
    expect(stream).toMatchObject({ name: 'accounts', namespace: 'public', source_defined_primary_key: [['id']] });

    const catalogPath = join(dir, 'catalog.json');
    await writeFile(
      catalogPath,
      JSON.stringify(configure(stream, { sync_mode: 'incremental', cursor_field: ['updated_at'] })),
    );
    const read = await run(['read', '--config', configPath, '--catalog', catalogPath]);
    expect(read.code).toBe(0);
    expect(read.stderr).not.toContain('not-needed-secret');

    const records = read.lines.filter((line) => line.type === 'RECORD').map((line) => line.record!);
    expect(records).toHaveLength(2500);
    expect(records[0]).toMatchObject({
      stream: 'accounts',
      namespace: 'public',
      data: { id: '1', name: 'acct 1', balance: '1.5000', updated_at: '2024-01-01T00:01:00Z' },
    });
    expect(records.map((record) => Number(record.data.id))).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));

    const states = read.lines.filter((line) => line.type === 'STATE').map((line) => line.state!);
    expect(states.map((state) => state.sourceStats?.recordCount)).toEqual([1000, 1000, 500]);
    expect(states.at(-1)!.stream!.stream_state).toEqual({
      cursor_field: 'updated_at',
      cursor_value: '2024-01-02 17:40:00+00',
      primary_key: ['id'],
      primary_key_values: ['2500'],
    });
    const statuses = read.lines
      .filter((line) => line.trace?.type === 'STREAM_STATUS')
      .map((line) => line.trace!.stream_status!.status);
    expect(statuses).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);

    const statePath = join(dir, 'state.json');
    await writeFile(statePath, JSON.stringify([states[1]]));
    const resumed = await run(['read', '--config', configPath, '--catalog', catalogPath, '--state', statePath]);
    expect(resumed.code).toBe(0);
    const resumedIds = resumed.lines
      .filter((line) => line.type === 'RECORD')
      .map((line) => Number(line.record!.data.id));
    expect(resumedIds).toEqual(Array.from({ length: 500 }, (_, i) => i + 2001));
  });

  it('exits non-zero with a config_error TRACE for an unknown stream', async () => {
    const configPath = join(dir, 'config-bad.json');
    await writeFile(configPath, JSON.stringify(db.config));
    const catalogPath = join(dir, 'catalog-bad.json');
    const stream = { name: 'no_such_model', json_schema: {}, supported_sync_modes: ['full_refresh' as const] };
    await writeFile(catalogPath, JSON.stringify(configure(stream)));
    const read = await run(['read', '--config', configPath, '--catalog', catalogPath]);
    expect(read.code).not.toBe(0);
    const error = read.lines.find((line) => line.trace?.type === 'ERROR')!.trace!.error!;
    expect(error.failure_type).toBe('config_error');
    expect(error.message).toContain('stream "no_such_model" has no namespace and no model of that name');
  });
});
