import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonArrayFormat, jsonlFormat } from './json-formats.js';
import type { RowFormat } from './row-format.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'json-format-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const records = [
  { id: 1, text: 'line\nbreak "quoted" \u2028 🚀', nested: { a: [1, null] } },
  { text: 'fields out of order', id: 2, extra: true },
  { id: 3, __proto__x: 1, ['__proto__']: 'data' },
];

async function roundTrip(format: RowFormat<Record<string, unknown>>, rows: Record<string, unknown>[]) {
  const encoder = format.encoder();
  const path = join(dir, `out.${format.extension}`);
  await writeFile(path, encoder.start() + encoder.rows(rows.slice(0, 1)) + encoder.rows(rows.slice(1)) + encoder.end());
  const back = [];
  for await (const row of format.read(path)) back.push(row);
  return { text: await readFile(path, 'utf8'), back };
}

describe.each([
  ['jsonl', jsonlFormat(['id', 'text'])],
  ['json', jsonArrayFormat(['id', 'text'])],
] as const)('%s', (kind, format) => {
  it('round-trips records, schema properties first', async () => {
    const data = records.map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);
    const { text, back } = await roundTrip(
      format,
      data.map((r) => format.fromRecord(r)),
    );
    expect(back).toEqual(data);
    expect(Object.keys(back[1]!)).toEqual(['id', 'text', 'extra']);
    expect(Object.keys(back[2]!)).toContain('__proto__');
    if (kind === 'json') expect(JSON.parse(text)).toEqual(data);
  });

  it('writes a valid empty file', async () => {
    const { text, back } = await roundTrip(format, []);
    expect(back).toEqual([]);
    if (kind === 'json') expect(JSON.parse(text)).toEqual([]);
    else expect(text).toBe('');
  });
});

describe('reading foreign files', () => {
  it('refuses a JSON array not written one element per line, naming the line', async () => {
    const path = join(dir, 'pretty.json');
    await writeFile(path, JSON.stringify([{ id: 1 }], null, 2));
    const read = async () => {
      for await (const row of jsonArrayFormat([]).read(path)) void row;
    };
    await expect(read()).rejects.toThrow(/pretty\.json line 2 is not one JSON object per line/);
  });
});
