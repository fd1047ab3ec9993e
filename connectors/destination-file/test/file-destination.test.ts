import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AirbyteMessage } from '@backflow/protocol';
import { runInProcess } from '@backflow/protocol/testing';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { destination } from '../src/index.js';
import { openFileWriter } from '../src/open-writer.js';
import { catalogOf, configuredStream, record, state } from './messages.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'destination-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const users = [
  { id: 1, name: 'Ada, "the first"', tags: ['a', 'b'] },
  { id: 2, name: 'multi\nline 東京 🚀', tags: [] },
  { id: 3, name: null, tags: ['x'] },
];

async function write(config: Record<string, unknown>, catalog: ReturnType<typeof catalogOf>, input: AirbyteMessage[]) {
  const run = await runInProcess(destination, 'write', { config: { directory: dir, ...config }, catalog, input });
  return run;
}

const readJsonl = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);

describe('formats', () => {
  const input = [...users.map((u) => record('users', u)), state('users', 1)];

  it('writes JSON Lines', async () => {
    const run = await write({ format: 'jsonl' }, catalogOf(configuredStream('users', 'append')), input);
    expect(run.exitCode).toBe(0);
    expect(run.states[0]?.destinationStats?.recordCount).toBe(3);
    expect(await readJsonl(join(dir, 'users.jsonl'))).toEqual(users);
  });

  it('writes a JSON array', async () => {
    await write({ format: 'json' }, catalogOf(configuredStream('users', 'append')), input);
    expect(JSON.parse(await readFile(join(dir, 'users.json'), 'utf8'))).toEqual(users);
  });

  it('writes CSV with a header in schema order, escaped so a CSV parser reads it back', async () => {
    const reordered = users.map(({ tags, name, id }) => ({ tags, name, id }));
    await write({ format: 'csv' }, catalogOf(configuredStream('users', 'append')), [
      ...reordered.map((u) => record('users', u)),
      state('users', 1),
    ]);
    const text = await readFile(join(dir, 'users.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('id,name,tags');
    expect(parse(text, { columns: true })).toEqual(
      users.map((u) => ({ id: String(u.id), name: u.name ?? '', tags: JSON.stringify(u.tags) })),
    );
  });

  it('honours the CSV delimiter, header switch and file name pattern', async () => {
    await write(
      { format: 'csv', csv: { delimiter: ';', header: false }, file_name_pattern: 'export-{stream}.{ext}' },
      catalogOf(configuredStream('users', 'append')),
      input,
    );
    const text = await readFile(join(dir, 'export-users.csv'), 'utf8');
    expect(parse(text, { delimiter: ';' })).toEqual(
      users.map((u) => [String(u.id), u.name ?? '', JSON.stringify(u.tags)]),
    );
  });

  it('creates an empty file for a stream that received nothing by a checkpoint', async () => {
    const run = await write({ format: 'json' }, catalogOf(configuredStream('users', 'mirror')), [state('users', 1)]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'users.json'), 'utf8'))).toEqual([]);
  });
});

describe.each(['csv', 'jsonl', 'json'] as const)('behaviours in %s', (format) => {
  const path = () => join(dir, `users.${format}`);
  const rows = async (): Promise<Record<string, unknown>[]> => {
    const text = await readFile(path(), 'utf8');
    if (format === 'json') return JSON.parse(text) as Record<string, unknown>[];
    if (format === 'jsonl') return (await readJsonl(path())) as Record<string, unknown>[];
    return (parse(text, { columns: true }) as Record<string, string>[]).map((r) => ({
      id: Number(r.id),
      name: r.name === '' ? null : r.name,
      tags: JSON.parse(r.tags!) as unknown,
    }));
  };

  it('mirror keeps the file equal to the model: upserts replace by key, deletes remove', async () => {
    const catalog = catalogOf(configuredStream('users', 'mirror'));
    await write({ format }, catalog, [...users.map((u) => record('users', u)), state('users', 1)]);
    const run = await write({ format }, catalog, [
      record('users', { id: 2, name: 'Grace', tags: ['new'] }),
      record('users', { id: 1, name: null, tags: [] }, 'delete'),
      record('users', { id: 4, name: 'Linus', tags: [] }),
      record('users', { id: 99, name: 'never there', tags: [] }, 'delete'),
      state('users', 2),
    ]);
    expect(run.states[0]?.destinationStats).toMatchObject({ recordCount: 4, rejectedRecordCount: 0 });
    expect(await rows()).toEqual([
      { id: 2, name: 'Grace', tags: ['new'] },
      users[2],
      { id: 4, name: 'Linus', tags: [] },
    ]);
  });

  it('mirror gives the same file when changes overflow the memory buffer', async () => {
    const catalog = catalogOf(configuredStream('users', 'mirror'));
    const many = Array.from({ length: 25 }, (_, i) => ({ id: i, name: `n${i}`, tags: [] }));
    await write({ format, max_buffered_records: 3 }, catalog, [
      ...many.map((u) => record('users', u)),
      ...many.filter((u) => u.id % 2 === 0).map((u) => record('users', u, 'delete')),
      record('users', { id: 1, name: 'changed', tags: [] }),
      state('users', 1),
    ]);
    expect(await rows()).toEqual(
      many.filter((u) => u.id % 2 === 1).map((u) => (u.id === 1 ? { ...u, name: 'changed' } : u)),
    );
  });

  it('upsert replaces by key and rejects deletes, which it never performs', async () => {
    const catalog = catalogOf(configuredStream('users', 'upsert'));
    await write({ format }, catalog, [...users.map((u) => record('users', u)), state('users', 1)]);
    const run = await write({ format }, catalog, [
      record('users', { id: 3, name: 'three', tags: [] }),
      record('users', { id: 1, name: null, tags: [] }, 'delete'),
      record('users', { name: 'no id', tags: [] }),
      state('users', 2),
    ]);
    expect(run.states[0]?.destinationStats?.rejected_records).toEqual([
      expect.objectContaining({
        stream: 'users',
        key: { id: 1 },
        retryable: false,
        reason: expect.stringMatching(/never deletes/),
      }),
      expect.objectContaining({ field: 'id', reason: 'matching key field "id" is empty' }),
    ]);
    expect(await rows()).toEqual([users[0], users[1], { id: 3, name: 'three', tags: [] }]);
  });

  it('append adds rows after the existing ones', async () => {
    const catalog = catalogOf(configuredStream('users', 'append'));
    await write({ format }, catalog, [record('users', users[0]!), state('users', 1)]);
    await write({ format }, catalog, [record('users', users[0]!), record('users', users[1]!), state('users', 2)]);
    expect(await rows()).toEqual([users[0], users[0], users[1]]);
  });

  it('insert adds only keys not yet present', async () => {
    const catalog = catalogOf(configuredStream('users', 'insert'));
    await write({ format }, catalog, [record('users', users[0]!), state('users', 1)]);
    await write({ format }, catalog, [
      record('users', { ...users[0]!, name: 'ignored' }),
      record('users', users[1]!),
      record('users', { ...users[1]!, name: 'ignored too' }),
      state('users', 2),
    ]);
    expect(await rows()).toEqual([users[0], users[1]]);
  });

  it('insert without a key appends every row, as there is nothing to match', async () => {
    const catalog = catalogOf(configuredStream('users', 'insert', { matching_keys: undefined }));
    await write({ format }, catalog, [record('users', users[0]!), state('users', 1)]);
    await write({ format }, catalog, [record('users', users[0]!), record('users', users[1]!), state('users', 2)]);
    expect(await rows()).toEqual([users[0], users[0], users[1]]);
  });
});

describe('refusals', () => {
  it('refuses update at open, naming the behaviour and the stream', async () => {
    const run = await write({ format: 'jsonl' }, catalogOf(configuredStream('users', 'update')), [
      record('users', users[0]!),
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatchObject({
      failure_type: 'config_error',
      message: expect.stringMatching(/"users".*"update"/),
    });
  });

  it('derives the behaviour from destination_sync_mode when none is given', async () => {
    const catalog = catalogOf(
      configuredStream('users', undefined, { destination_sync_mode: 'overwrite', primary_key: [['id']] }),
    );
    await write({ format: 'jsonl' }, catalog, [record('users', users[0]!), state('users', 1)]);
    const run = await write({ format: 'jsonl' }, catalog, [record('users', users[0]!, 'delete'), state('users', 2)]);
    expect(run.states[0]?.destinationStats?.rejectedRecordCount).toBe(0);
    expect(await readFile(join(dir, 'users.jsonl'), 'utf8')).toBe('');
  });

  it('refuses keyed behaviours without a key', async () => {
    const catalog = catalogOf(configuredStream('users', 'mirror', { matching_keys: [] }));
    const run = await write({ format: 'jsonl' }, catalog, []);
    expect(run.errors[0]?.message).toMatch(/"mirror" needs matching_keys/);
  });
});

describe('crash safety', () => {
  it('commits nothing after the last STATE', async () => {
    const catalog = catalogOf(configuredStream('users', 'append'));
    const run = await write({ format: 'jsonl' }, catalog, [
      record('users', users[0]!),
      state('users', 1),
      record('users', users[1]!),
    ]);
    expect(run.exitCode).toBe(0);
    expect(await readJsonl(join(dir, 'users.jsonl'))).toEqual([users[0]]);
    expect(await readdir(dir)).toEqual(['users.jsonl']);
  });

  it('leaves the last committed file, whole, when a run fails between writes', async () => {
    const catalog = catalogOf(configuredStream('users', 'mirror'));
    const run = await write({ format: 'json' }, catalog, [
      record('users', users[0]!),
      state('users', 1),
      record('users', users[1]!),
      record('not-configured', {}),
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.states).toHaveLength(1);
    expect(JSON.parse(await readFile(join(dir, 'users.json'), 'utf8'))).toEqual([users[0]]);
    expect(await readdir(dir)).toEqual(['users.json']);
  });

  it('never shows uncommitted data under the target name, and a restart clears the leftovers', async () => {
    const target = join(dir, 'users.csv');
    await writeFile(target, 'id,name,tags\n1,old,[]\n');
    const config = { directory: dir, format: 'csv' as const, max_buffered_records: 1 };
    const catalog = catalogOf(configuredStream('users', 'mirror'));
    const batch = (data: Record<string, unknown>) => ({
      stream: catalog.streams[0]!,
      records: [{ data, operation: 'upsert' as const, key: { id: data.id } }],
    });
    // A process that dies here never reaches commit or close.
    const crashed = await openFileWriter(config, catalog);
    await crashed.write(batch({ id: 2, name: 'staged', tags: [] }));
    await crashed.write(batch({ id: 3, name: 'staged', tags: [] }));
    expect(await readFile(target, 'utf8')).toBe('id,name,tags\n1,old,[]\n');
    expect((await readdir(dir)).filter((name) => name !== 'users.csv')).toEqual([
      expect.stringMatching(/^\.users\.csv\.backflow-.*\.tmp$/),
    ]);

    const restarted = await openFileWriter(config, catalog);
    expect(await readdir(dir)).toEqual(['users.csv']);
    await restarted.write(batch({ id: 4, name: 'new', tags: [] }));
    await restarted.commit!();
    await restarted.close!();
    expect(await readFile(target, 'utf8')).toBe('id,name,tags\n1,old,[]\n4,new,[]\n');
  });
});
