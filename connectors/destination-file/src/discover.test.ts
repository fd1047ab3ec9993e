import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverFiles } from './discover.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-discover-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('discoverFiles', () => {
  it('lists files the pattern could have written, with CSV headers as columns and no update mode', async () => {
    await writeFile(join(dir, 'export-users.csv'), 'id,"full, name"\n1,x\n');
    await writeFile(join(dir, 'other.csv'), 'a\n');
    await writeFile(join(dir, 'export-orders.json'), '[]\n');
    const { operations } = await discoverFiles({
      directory: dir,
      format: 'csv',
      file_name_pattern: 'export-{stream}.{ext}',
    });
    expect(operations.map((op) => [op.object_name, op.sync_mode])).toEqual([
      ['users', 'append'],
      ['users', 'append_dedup'],
      ['users', 'overwrite'],
    ]);
    expect(operations[0]?.json_schema).toEqual({
      type: 'object',
      properties: { id: { type: ['null', 'string'] }, 'full, name': { type: ['null', 'string'] } },
    });
  });

  it('lists JSON Lines and JSON files without fields, since their records take any', async () => {
    await writeFile(join(dir, 'users.jsonl'), '{"id":1}\n');
    await writeFile(join(dir, 'orders.json'), '[{"id":1}]\n');
    for (const format of ['jsonl', 'json'] as const) {
      const { operations } = await discoverFiles({ directory: dir, format });
      expect(operations.length).toBe(3);
      for (const operation of operations) expect(operation.json_schema).toEqual({ type: 'object' });
    }
  });

  it("finds a model's file named without its namespace part", async () => {
    await writeFile(join(dir, 'accounts.jsonl'), '{"id":1}\n');
    await writeFile(join(dir, 'crm-users.jsonl'), '{"id":1}\n');
    const { operations } = await discoverFiles({
      directory: dir,
      format: 'jsonl',
      file_name_pattern: '{namespace}-{stream}.{ext}',
    });
    expect([...new Set(operations.map((op) => op.object_name))]).toEqual(['accounts', 'users']);
  });

  it('has no objects before the directory exists', async () => {
    expect(await discoverFiles({ directory: join(dir, 'missing'), format: 'jsonl' })).toEqual({ operations: [] });
    await mkdir(join(dir, 'empty'));
    expect(await discoverFiles({ directory: join(dir, 'empty'), format: 'jsonl' })).toEqual({ operations: [] });
  });
});
