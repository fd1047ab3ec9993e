import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { ConfiguredAirbyteStream } from '@backflow/protocol';
import { runConnector } from '@backflow/protocol/connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destination } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { catalogOf, configuredStream } from './messages.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('dest_pg_lines');
});
afterAll(async () => {
  await db?.drop();
});

const configured: ConfiguredAirbyteStream = configuredStream(
  'items',
  {
    id: { type: 'integer' },
    name: { type: ['null', 'string'] },
    score: { type: ['null', 'number'] },
    flag: { type: ['null', 'boolean'] },
    doc: { type: ['null', 'object'] },
    tags: { type: ['null', 'array'], items: { type: 'string' } },
  },
  'upsert',
  { matching_keys: [['id']] },
);

/** Runs `write` on these stdin lines as they are (the harness would re-print them). */
async function writeLines(schema: string, lines: readonly string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'dest-pg-lines-'));
  try {
    const config = join(dir, 'config.json');
    const catalog = join(dir, 'catalog.json');
    await writeFile(config, JSON.stringify({ ...db.config, schema }));
    await writeFile(catalog, JSON.stringify(catalogOf(configured)));
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const stdin = Readable.from(lines.map((line) => `${line}\n`));
    const exitCode = await runConnector(destination, ['write', '--config', config, '--catalog', catalog], {
      stdin,
      stdout,
    });
    return { exitCode, out };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const line = (data: string, tail = '') =>
  `{"type":"RECORD","record":{"stream":"items","data":${data},"emitted_at":1${tail}}}`;
const STATE = '{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"items"}}}}';

async function rows(schema: string) {
  const { rows: found } = await db.client.query(
    `SELECT id::text, name, score::text, flag::text, doc::text, tags::text FROM "${schema}".items ORDER BY id`,
  );
  return found;
}

describe('RECORD lines taken as bytes', () => {
  // Values whose JSON text is not their COPY text: spaces, escapes, non-ASCII, numbers
  // printed differently, repeated members, keys that need unescaping, nested values.
  const data = [
    '{"id":1,"name":"plain","score":12,"flag":true,"doc":{"a":[1,"}"]},"tags":["x","y"]}',
    ' { "id" : 2 , "name" : "tab\\there \\"q\\" back\\\\slash" , "score" : 1.50 , "flag" : false } ',
    '{"id":3,"name":"caf\u00e9 \\u00e9t\\u00e9","score":1e2,"doc":{"k":"\\\\n"},"tags":[]}',
    '{"id":4,"name":"first","name":"last","score":-0,"unknown":{"deep":[null,true]}}',
    '{"\\u0069d":5,"name":null,"score":12345678901234567890}',
    '{"id":"6","score":0.1,"tags":["a\\tb","c\\"d"]}',
    '{"id":7,"doc": {"b" : [1, 2.5, {"c":[]}], "a":{"x":1,"x":2}, "s":"t"} ,"tags":["plain", "x"]}',
    '{"id":8,"doc":[1,{"n":null,"t":true}],"flag":true}',
  ];

  it('writes what the parsed records would', async () => {
    // With an operation after emitted_at the SDK parses each line as before.
    const parsed = await writeLines('parsed', [...data.map((d) => line(d, ',"operation":"upsert"')), STATE]);
    const taken = await writeLines('taken', [...data.map((d) => line(d)), STATE]);
    expect(parsed.exitCode).toBe(0);
    expect(taken.exitCode).toBe(0);
    expect(await rows('taken')).toEqual(await rows('parsed'));
    expect((await rows('taken')).map((row) => row.name)).toEqual([
      'plain',
      'tab\there "q" back\\slash',
      'café été',
      'last',
      null,
      null,
      null,
      null,
    ]);
    expect((await rows('taken'))[6]).toMatchObject({ doc: '{"a": {"x": 2}, "b": [1, 2.5, {"c": []}], "s": "t"}' });
  });

  it('fails on data that is not JSON, naming its line', async () => {
    const run = await writeLines('bad', [line('{"id":1}'), line('{"id":2,"name":tru}'), STATE]);
    expect(run.exitCode).toBe(1);
    expect(run.out).toMatch(/stdin line 2: value must be a JSON object on one line/);
    await expect(db.client.query('SELECT count(*) FROM bad.items')).resolves.toMatchObject({
      rows: [{ count: '0' }],
    });
  });
});
