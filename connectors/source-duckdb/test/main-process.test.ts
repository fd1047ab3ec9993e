import { execFile, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirbyteMessage } from '@backflow/protocol';
import { runSql, tempDir } from './helpers.js';

const repo = resolve(import.meta.dirname, '../../..');
const main = resolve(import.meta.dirname, '../bin/main.js');

describe('bin/main.js as a process', () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    execFileSync('npx', ['tsc', '-b', 'connectors/source-duckdb'], { cwd: repo, stdio: 'inherit' });
    dir = await tempDir();
  });
  afterAll(() => dir.cleanup());

  it('reads a table incrementally over NDJSON stdout', async () => {
    const db = join(dir.dir, 'p.duckdb');
    await runSql(
      db,
      `CREATE TABLE contacts (id BIGINT PRIMARY KEY, email VARCHAR NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
       INSERT INTO contacts SELECT i, 'user' || i || '@example.com', TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds(i // 2) FROM range(1, 6) t(i);`,
    );
    const configPath = join(dir.dir, 'config.json');
    const catalogPath = join(dir.dir, 'catalog.json');
    await writeFile(configPath, JSON.stringify({ path: db, checkpoint_interval: 2 }));
    await writeFile(
      catalogPath,
      JSON.stringify({
        streams: [
          {
            stream: {
              name: 'contacts',
              namespace: 'main',
              json_schema: {},
              supported_sync_modes: ['full_refresh', 'incremental'],
            },
            sync_mode: 'incremental',
            cursor_field: ['updated_at'],
            destination_sync_mode: 'append_dedup',
          },
        ],
      }),
    );
    const { stdout } = await promisify(execFile)('node', [
      main,
      'read',
      '--config',
      configPath,
      '--catalog',
      catalogPath,
    ]);
    const messages = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AirbyteMessage);
    const kinds = messages.filter((m) => m.type !== 'TRACE').map((m) => (m.record ? `R${m.record.data.id}` : 'S'));
    expect(kinds).toEqual(['R1', 'R2', 'S', 'R3', 'R4', 'S', 'R5', 'S']);
    expect(messages.find((m) => m.record)?.record?.data).toEqual({
      id: '1',
      email: 'user1@example.com',
      updated_at: '2024-05-01T00:00:00Z',
    });
    expect(messages.filter((m) => m.state).at(-1)?.state?.stream?.stream_state).toEqual({
      cursor_field: 'updated_at',
      cursor_value: '2024-05-01T00:00:02Z',
      primary_key: ['id'],
      primary_key_values: ['5'],
    });
  });

  it('reports a failed check and exits 0', async () => {
    const configPath = join(dir.dir, 'missing.json');
    await writeFile(configPath, JSON.stringify({ path: join(dir.dir, 'missing.duckdb') }));
    const { stdout } = await promisify(execFile)('node', [main, 'check', '--config', configPath]);
    const status = JSON.parse(stdout.trim()) as AirbyteMessage;
    expect(status.connectionStatus?.status).toBe('FAILED');
    expect(status.connectionStatus?.message).toMatch(/database file not found/);
  });
});
