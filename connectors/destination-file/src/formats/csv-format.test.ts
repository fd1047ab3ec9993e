import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvFormat } from './csv-format.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-format-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tricky = [
  'plain',
  'comma, inside',
  'quote " inside',
  '"fully quoted"',
  'new\nline',
  'carriage\r\nreturn',
  ' leading and trailing ',
  'unicode: żółć 東京 🚀 \u2028',
  'semi;colon',
  '',
];

async function writeAll(format: ReturnType<typeof csvFormat>, rows: (string | null)[][]): Promise<string> {
  const encoder = format.encoder();
  const text = encoder.start() + encoder.rows(rows.map((cells) => ({ cells }))) + encoder.end();
  const path = join(dir, 'out.csv');
  await writeFile(path, text);
  return path;
}

async function readAll(format: ReturnType<typeof csvFormat>, path: string) {
  const rows = [];
  for await (const row of format.read(path)) rows.push(row);
  return rows;
}

const cellsOf = async (format: ReturnType<typeof csvFormat>, path: string) =>
  (await readAll(format, path)).map((row) => row.cells);

describe('csvFormat', () => {
  it('escapes values so an independent CSV parser reads them back exactly', async () => {
    const format = csvFormat({ columns: ['id', 'text'], delimiter: ',', header: true });
    const rows = tricky.map((text, i) => format.fromRecord({ id: i, text }).cells as (string | null)[]);
    const path = await writeAll(format, rows);
    const parsed = parse(await readFile(path, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(parsed.map((r) => r.text)).toEqual(tricky);
    expect(parsed.map((r) => r.id)).toEqual(tricky.map((_, i) => String(i)));
  });

  it('writes null as an empty field and the empty string as ""', async () => {
    const format = csvFormat({ columns: ['a', 'b'], delimiter: ',', header: false });
    expect(
      await readFile(
        await writeAll(format, [
          [null, ''],
          ['', null],
        ]),
        'utf8',
      ),
    ).toBe(',""\n"",\n');
  });

  it('reads back its own files, and copies unchanged rows through byte for byte', async () => {
    const format = csvFormat({ columns: ['a', 'b'], delimiter: ';', header: false });
    const rows = [...tricky.map((t) => [t, null]), [null, '']];
    const path = await writeAll(format, rows);
    expect(await cellsOf(format, path)).toEqual(rows.map((cells) => cells.map((cell) => (cell === '' ? null : cell))));
    const encoder = format.encoder();
    expect(encoder.start() + encoder.rows(await readAll(format, path)) + encoder.end()).toBe(
      await readFile(path, 'utf8'),
    );
  });

  it('writes nested values as JSON text, booleans and numbers in JSON form', () => {
    const format = csvFormat({ columns: ['o', 'a', 'b', 'n', 'missing'], delimiter: ',', header: true });
    expect(format.fromRecord({ o: { x: [1, 'y'] }, a: [1, 2], b: false, n: 1.5 }).cells).toEqual([
      '{"x":[1,"y"]}',
      '[1,2]',
      'false',
      '1.5',
      null,
    ]);
  });

  it('reads only own fields, so a column named __proto__ or constructor is plain data', () => {
    const format = csvFormat({ columns: ['__proto__', 'constructor'], delimiter: ',', header: true });
    expect(format.fromRecord({}).cells).toEqual([null, null]);
    expect(format.fromRecord(JSON.parse('{"__proto__":"x","constructor":1}') as Record<string, unknown>).cells).toEqual(
      ['x', '1'],
    );
  });

  it('maps an existing file to the current columns by header name', async () => {
    const path = join(dir, 'old.csv');
    await writeFile(path, 'b,gone,a\n2,x,1\n');
    const format = csvFormat({ columns: ['a', 'b', 'new'], delimiter: ',', header: true });
    expect(await readAll(format, path)).toEqual([{ cells: ['1', '2', null] }]);
  });

  it('keys rows by their text, including nested key paths', () => {
    const format = csvFormat({ columns: ['id', 'obj'], delimiter: ',', header: true });
    const row = format.fromRecord({ id: 7, obj: { code: 'x' } });
    expect(format.keyOf(row, [['id']])).toBe('["7"]');
    expect(format.keyOf(row, [['id'], ['obj', 'code']])).toBe('["7","x"]');
    expect(format.keyOf(format.fromRecord({ id: null }), [['id']])).toBeUndefined();
  });

  it('rewrites a foreign file with BOM and CRLF line ends as LF-terminated CSV', async () => {
    const path = join(dir, 'windows.csv');
    await writeFile(path, '\uFEFFa,b\r\n1,"x\r\ny"\r\n2,z');
    const format = csvFormat({ columns: ['a', 'b'], delimiter: ',', header: true });
    const encoder = format.encoder();
    expect(encoder.start() + encoder.rows(await readAll(format, path)) + encoder.end()).toBe('a,b\n1,"x\r\ny"\n2,z\n');
  });
});
