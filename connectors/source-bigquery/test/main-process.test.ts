import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirbyteMessage } from '@backflow/protocol';
import { configFor, PROJECT, startBigQueryFake, type BigQueryFake } from './helpers.js';

const repo = resolve(import.meta.dirname, '../../..');
const main = resolve(import.meta.dirname, '../bin/main.js');

/**
 * The spawned connector gets no injected client: it reaches the fake's token endpoint only
 * because it honours the key file's `token_uri` (which differs from Google's).
 */
describe('bin/main.js as a process', () => {
  let fake: BigQueryFake;
  let dir: string;
  beforeAll(async () => {
    execFileSync('npx', ['tsc', '-b', 'connectors/source-bigquery'], { cwd: repo, stdio: 'inherit' });
    fake = await startBigQueryFake({ projectId: PROJECT, datasets: ['analytics'] });
    await fake.db.run(`
      CREATE TABLE analytics.contacts (id BIGINT, email VARCHAR, updated_at TIMESTAMPTZ);
      INSERT INTO analytics.contacts SELECT i, 'user' || i || '@example.com', TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds(i // 2) FROM range(1, 6) t(i);
    `);
    dir = await mkdtemp(join(tmpdir(), 'source-bigquery-'));
  });
  afterAll(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(
    command: string,
    files: Record<string, unknown>,
  ): Promise<{ messages: AirbyteMessage[]; stdout: string; stderr: string }> {
    const args = [main, command];
    for (const [flag, content] of Object.entries(files)) {
      const path = join(dir, `${flag}.json`);
      await writeFile(path, JSON.stringify(content));
      args.push(`--${flag}`, path);
    }
    const { stdout, stderr } = await promisify(execFile)('node', args, { cwd: repo });
    const messages = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AirbyteMessage);
    return { messages, stdout, stderr };
  }

  it('checks, discovers and reads incrementally over NDJSON, exchanging tokens at the key’s token_uri', async () => {
    const config = { ...configFor(fake), checkpoint_interval: 2 };
    const tokensBefore = fake.calls.token ?? 0;
    const check = await run('check', { config });
    expect(check.messages.at(-1)?.connectionStatus).toEqual({
      status: 'SUCCEEDED',
      message: 'dataset "analytics": 1 table(s)/view(s) and 0 model(s) readable',
    });
    expect((fake.calls.token ?? 0) - tokensBefore).toBe(1);

    const discover = await run('discover', { config });
    const stream = discover.messages.find((m) => m.catalog)!.catalog!.streams[0]!;
    expect(stream).toMatchObject({ name: 'contacts', namespace: 'analytics' });

    const catalog = {
      streams: [
        {
          stream,
          sync_mode: 'incremental',
          cursor_field: ['updated_at'],
          primary_key: [['id']],
          destination_sync_mode: 'append_dedup',
        },
      ],
    };
    const read = await run('read', { config, catalog });
    const kinds = read.messages.filter((m) => m.type !== 'TRACE').map((m) => (m.record ? `R${m.record.data.id}` : 'S'));
    expect(kinds).toEqual(['R1', 'R2', 'S', 'R3', 'R4', 'S', 'R5', 'S']);
    expect(read.messages.find((m) => m.record)?.record?.data).toEqual({
      id: '1',
      email: 'user1@example.com',
      updated_at: '2024-05-01T00:00:00Z',
    });
    expect(read.messages.filter((m) => m.state).at(-1)?.state?.stream?.stream_state).toEqual({
      cursor_field: 'updated_at',
      cursor_value: '2024-05-01T00:00:02Z',
      primary_key: ['id'],
      primary_key_values: ['5'],
    });
  });

  it('never prints the key, even when the token endpoint refuses it', async () => {
    const revoked = fake.createServiceAccount({ name: 'revoked' });
    const config = configFor(
      fake,
      {},
      { ...revoked, client_email: 'deleted@backflow-bq-test.iam.gserviceaccount.com' },
    );
    const { messages, stdout, stderr } = await run('check', { config });
    expect(messages.at(-1)?.connectionStatus?.status).toBe('FAILED');
    expect(messages.at(-1)?.connectionStatus?.message).toMatch(
      /the token endpoint refused the service account's key \(invalid_grant/,
    );
    const keyLine = revoked.private_key.split('\n')[1]!;
    for (const output of [stdout, stderr]) {
      expect(output).not.toContain(keyLine);
      expect(output).not.toContain(revoked.private_key_id);
    }
  });
});
