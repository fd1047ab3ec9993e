import { describe, expect, it } from 'vitest';
import { copyTextRows, parseCopyLine, unescapeCopyText, type RawRow } from './copy-text.js';
import { decoderFor } from './type-mapping.js';
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

const decode = (row: RawRow) => row.map((text, i) => (text === null ? null : decoderFor(COLUMNS[i]!)(text)));

describe('COPY text rows', () => {
  it('decodes every type of protocol/docs/types.md from COPY text, exactly', () => {
    expect(decode(parseCopyLine(ROWS[0]!))).toEqual([
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
  });

  it('reads \\N as NULL, and only a whole \\N', () => {
    expect(decode(parseCopyLine(ROWS[1]!))).toEqual([null, 0, ...Array<null>(22).fill(null)]);
    expect(parseCopyLine('\\\\N\t\t\\N')).toEqual(['\\N', '', null]);
  });

  it('undoes every escape COPY may write', () => {
    expect(unescapeCopyText('\\b\\f\\n\\r\\t\\v\\\\')).toBe('\b\f\n\r\t\v\\');
    expect(unescapeCopyText('\\101\\x42\\7x\\x4g')).toBe('AB\u0007x\u0004g');
    expect(unescapeCopyText('no escapes')).toBe('no escapes');
  });

  it('joins rows and characters split across chunks', async () => {
    const bytes = Buffer.from(`${ROWS[0]}\n${ROWS[1]}\nlast\t✓`);
    const cut = bytes.indexOf('✓') + 1; // inside the 3-byte character
    async function* chunks() {
      yield bytes.subarray(0, 5);
      yield bytes.subarray(5, cut);
      yield bytes.subarray(cut);
    }
    const rows: RawRow[] = [];
    for await (const batch of copyTextRows(chunks())) rows.push(...batch);
    expect(rows).toEqual([parseCopyLine(ROWS[0]!), parseCopyLine(ROWS[1]!), ['last', '✓']]);
  });
});
