import { describe, expect, it } from 'vitest';
import { recordLinePrefix } from '@backflow/protocol/connector';
import { RecordLineEncoder, type CopyColumn } from './copy-json.js';
import type { CopyDataRun } from './copy-out.js';
import { unescapeCopyText } from './copy-text.js';
import { codecFor } from './type-mapping.js';
import type { PgType } from './type-registry.js';

const scalar = (base: number): PgType => ({ kind: 'scalar', oid: base, sqlName: 'x', base, isEnum: false });
const arrayOf = (element: PgType): PgType => ({ kind: 'array', oid: 1, sqlName: 'x[]', element, delimiter: ',' });

// Two rows as `\copy t to stdout` printed them (Postgres 16, the connector's session
// settings: TimeZone UTC, DateStyle ISO, IntervalStyle iso_8601, bytea_output hex), for
// smallint, integer, bigint, numeric(38,18), numeric, real, double precision, boolean, text,
// char(3), uuid, date, timestamp, timestamptz, time, timetz, interval, json, jsonb, bytea,
// int[], text[], int[][], timestamptz[]; the second row is all NULL but its integer.
const COLUMNS: PgType[] = [
  ...[21, 23, 20, 1700, 1700, 700, 701, 16, 25, 1042, 2950, 1082, 1114, 1184, 1083, 1266, 1186, 114, 3802, 17].map(
    scalar,
  ),
  arrayOf(scalar(23)),
  arrayOf(scalar(25)),
  arrayOf(scalar(23)), // int[][]: Postgres' arrays of any dimension are one type
  arrayOf(scalar(1184)),
];
const ROWS = [
  [
    '-32768',
    '2147483647',
    '9007199254740993',
    '12345678901234567890.123456789012345678',
    'NaN',
    '1.5',
    'Infinity',
    't',
    'hé "quoted", back\\\\slash\\ttab\\nline\\rcr ✓ 🎉',
    'ab ',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    '0044-03-15 BC',
    '2024-01-31 12:34:56.789123',
    '2024-01-31 10:34:56.789123+00',
    '12:34:56.789',
    '12:34:56+05:30',
    'P1Y2M3DT4H5M6.5S',
    '{"n": 1.5, "s": "a\\\\nb\\\\\\\\c", "u": "é"}',
    '{"nested": {"deep": [true, {"x": 9007199254740991}]}}',
    '\\\\xdeadbeef00',
    '{1,NULL,3}',
    '{"a,b","c\\\\"d",NULL,"NULL","","back\\\\\\\\slash","tab\\there"}',
    '{{1,2},{3,4}}',
    '{"2024-01-31 00:00:00+00","2000-01-01 00:59:59.999999+00"}',
  ].join('\t'),
  ['\\N', '0', ...Array<string>(22).fill('\\N')].join('\t'),
];

const PREFIX = recordLinePrefix({ name: 'things' });
const EMITTED_AT = 1_700_000_000_000;

const columnsOf = (types: readonly PgType[]): CopyColumn[] =>
  types.map((type, i) => ({ name: `c${i}`, emitted: true, ...codecFor(type) }));

/** COPY text rows (newlines included) as the server sends them: one CopyData message each, in one run. */
function copyData(rows: readonly string[]): CopyDataRun {
  const bytes = Buffer.concat(
    rows.map((row) => {
      const text = Buffer.from(row);
      const header = Buffer.alloc(5);
      header[0] = 0x64;
      header.writeUInt32BE(4 + text.length, 1);
      return Buffer.concat([header, text]);
    }),
  );
  return { bytes, start: 0, end: bytes.length };
}

/** The RECORD lines the encoder writes for COPY `rows` of `types`, as text. */
function encode(types: readonly PgType[], rows: readonly string[]): string[] {
  const encoder = new RecordLineEncoder(PREFIX, columnsOf(types), types.length);
  const { bytes, count } = encoder.encode([copyData(rows.map((row) => `${row}\n`))], EMITTED_AT);
  const lines = Buffer.from(bytes).toString('utf8').split('\n').slice(0, -1);
  expect(lines).toHaveLength(count);
  return lines;
}

/** Each record's data, from lines that must be whole RECORD messages. */
function data(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((line) => {
    const message = JSON.parse(line) as { type: string; record: { stream: string; data: object; emitted_at: number } };
    expect(message).toMatchObject({ type: 'RECORD', record: { stream: 'things', emitted_at: EMITTED_AT } });
    return message.record.data as Record<string, unknown>;
  });
}

/** What the column decoders alone made of a COPY row, as a RECORD carried it: the reference for the direct encoders. */
function decoded(types: readonly PgType[], row: string): Record<string, unknown> {
  const values = row.split('\t').map((text, i) => {
    const value = text === '\\N' ? null : codecFor(types[i]!).decode(unescapeCopyText(text));
    return [`c${i}`, value];
  });
  return JSON.parse(JSON.stringify(Object.fromEntries(values))) as Record<string, unknown>;
}

/** Compares numbers with Object.is, so -0 and 0 differ. */
const same = (a: unknown, b: unknown) =>
  expect(JSON.stringify(a, (_, v: unknown) => (Object.is(v, -0) ? '-0' : v))).toBe(
    JSON.stringify(b, (_, v: unknown) => (Object.is(v, -0) ? '-0' : v)),
  );

describe('RECORD lines from COPY text', () => {
  it('writes every type of protocol/docs/types.md from real \\copy output, exactly', () => {
    const [record, nulls] = data(encode(COLUMNS, ROWS));
    expect(Object.values(record!)).toEqual([
      -32768,
      2147483647,
      '9007199254740993',
      '12345678901234567890.123456789012345678',
      'NaN',
      1.5,
      null,
      true,
      'hé "quoted", back\\slash\ttab\nline\rcr ✓ 🎉',
      'ab ',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      '-0043-03-15',
      '2024-01-31T12:34:56.789123',
      '2024-01-31T10:34:56.789123Z',
      '12:34:56.789',
      '12:34:56+05:30',
      'P1Y2M3DT4H5M6.5S',
      { n: 1.5, s: 'a\nb\\c', u: 'é' },
      { nested: { deep: [true, { x: 9007199254740991 }] } },
      Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]).toString('base64'),
      [1, null, 3],
      ['a,b', 'c"d', null, 'NULL', '', 'back\\slash', 'tab\there'],
      [
        [1, 2],
        [3, 4],
      ],
      ['2024-01-31T00:00:00Z', '2000-01-01T00:59:59.999999Z'],
    ]);
    expect(Object.values(nulls!)).toEqual([null, 0, ...Array<null>(22).fill(null)]);
    ROWS.forEach((row, i) => same(data(encode(COLUMNS, [row]))[0], decoded(COLUMNS, ROWS[i]!)));
  });

  it('reads \\N as NULL, and only a whole \\N', () => {
    const text = [scalar(25), scalar(25), scalar(25)];
    expect(data(encode(text, ['\\\\N\t\t\\N']))).toEqual([{ c0: '\\N', c1: '', c2: null }]);
  });

  it('writes strings byte for byte as JSON.stringify does, control characters and rare escapes included', () => {
    const texts = [
      'plain',
      'quote " backslash \\\\ tab \\t newline \\n cr \\r bs \\b ff \\f',
      'raw \u0001\u001f\u007f é 🎉',
      'vertical \\v, octal \\101, hex \\x42, other \\q',
      '',
    ];
    const lines = encode(
      texts.map(() => scalar(25)),
      [texts.join('\t')],
    );
    const expected = Object.fromEntries(texts.map((text, i) => [`c${i}`, unescapeCopyText(text)]));
    expect(lines[0]).toBe(`${PREFIX}${JSON.stringify(expected)},"emitted_at":${EMITTED_AT}}}`);
  });

  it('writes text and jsonb as the decoders do whatever falls in the bytes read four at a time', () => {
    // A seeded generator: the same rows every run.
    let seed = 42;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const pieces = ['a', 'bc', ' ', '"', '\\\\', '\\n', '\\t', '\u0001', '\u001f', '\u007f', 'é', '✓', '🎉', '{', '}'];
    const text = () => Array.from({ length: random(24) }, () => pieces[random(pieces.length)]!).join('');
    const types = [scalar(25), scalar(3802), scalar(25)];
    for (let i = 0; i < 2000; i++) {
      const fields = [text(), JSON.stringify(text()).replaceAll('\\', '\\\\'), text()];
      // Text as JSON.stringify writes it; jsonb as Postgres printed it unless COPY escaped something in it.
      const [first, json, last] = fields.map(unescapeCopyText);
      const jsonb = fields[1]!.includes('\\') ? JSON.stringify(JSON.parse(json!)) : json;
      const expected = `{"c0":${JSON.stringify(first)},"c1":${jsonb},"c2":${JSON.stringify(last)}}`;
      expect(encode(types, [fields.join('\t')])[0]).toBe(`${PREFIX}${expected},"emitted_at":${EMITTED_AT}}}`);
    }
  });

  it('leaves values outside the direct encoders to the decoders, with the same result', () => {
    const cases: [number, string[]][] = [
      [701, ['0.1', '-2.5', '1e+100', '1.5e-07', '-0', 'NaN', 'Infinity', '-Infinity', '0']],
      [700, ['1.5', '-0', '3.4028235e+38']],
      [16, ['t', 'f']],
      [23, ['0', '-2147483648']],
      [1082, ['2024-01-31', '0001-01-01 BC', '10000-01-01', 'infinity', '-infinity', '']],
      [
        1114,
        ['2024-01-31 12:34:56', '2024-01-31 12:34:56.25', '0044-03-15 12:00:00 BC', '10000-01-01 00:00:00', 'infinity'],
      ],
      [
        1184,
        [
          '2024-01-31 12:34:56+00',
          '2024-01-31 12:34:56.5+00',
          '2024-01-31 12:34:56+00:30',
          '2024-01-31 12:34:56+05',
          '0044-03-15 12:00:00+00 BC',
          '10000-01-01 00:00:00+00',
          '-infinity',
        ],
      ],
      [3802, ['{"a": [1, 2.50, "x"]}', '{"s": "a\\\\"b", "t": "\\\\u00e9"}', '"text"', '12345678901234567', 'null']],
      [114, ['{"a":1,\\n "b":  2}', '[1, {"x": "\\\\n"}]']],
    ];
    for (const [oid, values] of cases) {
      for (const value of values) {
        same(data(encode([scalar(oid)], [value]))[0], decoded([scalar(oid)], value));
        // Ending at a tab rather than at the row's end.
        const row = `${value}\t1`;
        same(data(encode([scalar(oid), scalar(23)], [row]))[0], decoded([scalar(oid), scalar(23)], row));
      }
    }
  });

  it('copies numbers and times of every length, whatever falls in the bytes read four at a time', () => {
    const digits = '12345678901234567';
    const cases: [number, string[]][] = [
      [23, Array.from({ length: 10 }, (_, n) => `-${digits.slice(0, n + 1)}`)],
      [701, Array.from({ length: 17 }, (_, n) => `-0.${digits.slice(0, n + 1)}`)],
      [1184, Array.from({ length: 7 }, (_, n) => `2024-01-31 12:34:56${n === 0 ? '' : `.${digits.slice(0, n)}`}+00`)],
      [1114, Array.from({ length: 7 }, (_, n) => `2024-01-31 12:34:56${n === 0 ? '' : `.${digits.slice(0, n)}`}`)],
    ];
    for (const [oid, values] of cases) {
      for (const value of values) {
        // Ending at the row's end, at a tab before an integer, at a tab before the same value.
        const rows: [string, PgType[]][] = [
          [value, [scalar(oid)]],
          [`${value}\t1`, [scalar(oid), scalar(23)]],
          [`${value}\t${value}`, [scalar(oid), scalar(oid)]],
        ];
        for (const [row, types] of rows) same(data(encode(types, [row]))[0], decoded(types, row));
      }
    }
  });

  it('embeds jsonb as Postgres prints it, keeping digits JSON.parse would round', () => {
    expect(encode([scalar(3802)], ['{"big": 12345678901234567890}'])[0]).toContain(
      '"c0":{"big": 12345678901234567890}',
    );
  });

  it('grows its output for rows larger than planned', () => {
    const long = '\u0001'.repeat(100_000);
    same(data(encode([scalar(25), scalar(23)], [`${long}\t1`]))[0], { c0: long, c1: 1 });
  });

  it('skips fields that are not emitted and gives each row its position and where its line ends, across buffers', () => {
    const columns = columnsOf([scalar(23), scalar(25), scalar(1184)]).map((column, i) => ({
      ...column,
      emitted: i < 2,
    }));
    const encoder = new RecordLineEncoder(PREFIX, columns, 4, (text) => ({
      cursor: text(2),
      key: [text(0)],
      startsCursorValue: text(3) === 't',
    }));
    // Two runs, as a row joined across socket reads comes before the rest of a read; the
    // second starts inside its buffer.
    const before = copyData(['0\tnot this one\t\\N\tf\n']);
    const second = copyData(['2\tb\\tc\t\\N\tf\n']);
    const runs = [
      copyData(['1\ta\t2024-01-31 00:00:00+00\tt\n']),
      { bytes: Buffer.concat([before.bytes, second.bytes]), start: before.end, end: before.end + second.end },
    ];
    const { bytes, count, ends, positions } = encoder.encode(runs, EMITTED_AT);
    expect(count).toBe(2);
    expect(positions).toEqual([
      { cursor: '2024-01-31 00:00:00+00', key: ['1'], startsCursorValue: true },
      { cursor: null, key: ['2'], startsCursorValue: false },
    ]);
    const text = Buffer.from(bytes).toString('utf8');
    expect(data([text.slice(0, ends[0]! - 1), text.slice(ends[0], ends[1]! - 1)])).toEqual([
      { c0: 1, c1: 'a' },
      { c0: 2, c1: 'b\tc' },
    ]);
    expect(ends[1]).toBe(bytes.length);
  });

  it('reuses the buffer of a batch once it is written, and only then', () => {
    const encoder = new RecordLineEncoder(PREFIX, columnsOf([scalar(23)]), 1);
    const first = encoder.encode([copyData(['1\n'])], EMITTED_AT);
    const text = Buffer.from(first.bytes).toString();
    const second = encoder.encode([copyData(['2\n'])], EMITTED_AT);
    expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
    expect(Buffer.from(first.bytes).toString()).toBe(text);
    first.written!();
    first.written!();
    const third = encoder.encode([copyData(['3\n'])], EMITTED_AT);
    const fourth = encoder.encode([copyData(['4\n'])], EMITTED_AT);
    expect(third.bytes.buffer).toBe(first.bytes.buffer);
    expect(fourth.bytes.buffer).not.toBe(first.bytes.buffer);
  });

  it('refuses a row with another number of fields than selected', () => {
    const encoder = new RecordLineEncoder(PREFIX, columnsOf([scalar(23), scalar(23)]), 2);
    expect(() => encoder.encode([copyData(['1\n'])], EMITTED_AT)).toThrow(/fewer than the 2 fields/);
    expect(() => encoder.encode([copyData(['1\t2\t3\n'])], EMITTED_AT)).toThrow(/more than the 2 fields/);
    expect(() => encoder.encode([copyData(['1\t2'])], EMITTED_AT)).toThrow(/does not end with a newline/);
  });
});
