import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createDecoder, readMessageBatches, readMessages } from './decoder.js';
import { ProtocolError } from '../validation/index.js';
import { decodeLine, type DecodedMessage, type DecoderOptions } from './ndjson-parser.js';

/** What the decoder yields, minus the raw text (asserted on its own below). */
type Parsed = Omit<DecodedMessage, 'text'>;
type Decode = (chunks: Iterable<Buffer>, options?: DecoderOptions) => Promise<Parsed[]>;

const viaTransform: Decode = async (chunks, options) => {
  const messages: Parsed[] = [];
  await pipeline(
    Readable.from(chunks),
    createDecoder(options),
    new Writable({
      objectMode: true,
      write({ line, value }: DecodedMessage, _encoding, callback) {
        messages.push({ line, value });
        callback();
      },
    }),
  );
  return messages;
};

const viaIterator: Decode = async (chunks, options) => {
  const messages: Parsed[] = [];
  for await (const { line, value } of readMessages(Readable.from(chunks), options)) messages.push({ line, value });
  return messages;
};

/** Every shape the splitter must handle, in one payload: multi-byte characters (2 and 4
 * bytes), CRLF, blank lines (LF and CRLF), whitespace-only lines, no final newline. */
const payload = Buffer.from(
  [
    '{"type":"RECORD","record":{"name":"Zoé"}}',
    '',
    '{"emoji":"😀😀","n":1}\r',
    '\r',
    '   ',
    '{"a":[1,2,{"b":null}]}\r',
    '{"last":"ü"}',
  ].join('\n'),
);
const expected: Parsed[] = [
  { line: 1, value: { type: 'RECORD', record: { name: 'Zoé' } } },
  { line: 3, value: { emoji: '😀😀', n: 1 } },
  { line: 6, value: { a: [1, 2, { b: null }] } },
  { line: 7, value: { last: 'ü' } },
];

async function decodeError(decode: Decode, chunks: Buffer[], options?: DecoderOptions) {
  const error = await decode(chunks, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

describe.each([
  ['createDecoder', viaTransform],
  ['readMessages', viaIterator],
])('%s', (_name, decode) => {
  it('decodes a payload delivered in one chunk', async () => {
    expect(await decode([payload])).toEqual(expected);
  });

  it('decodes the same messages whatever byte offset splits the payload', async () => {
    for (let offset = 0; offset <= payload.length; offset += 1) {
      const chunks = [payload.subarray(0, offset), payload.subarray(offset)];
      expect(await decode(chunks), `split at byte ${offset}`).toEqual(expected);
    }
  });

  it('decodes a payload delivered one byte at a time', async () => {
    const bytes = Array.from({ length: payload.length }, (_, i) => payload.subarray(i, i + 1));
    expect(await decode(bytes)).toEqual(expected);
  });

  it('reassembles a 4-byte character split across three chunks', async () => {
    const line = Buffer.from('{"s":"😀"}\n');
    const at = line.indexOf(0xf0);
    const chunks = [line.subarray(0, at + 1), line.subarray(at + 1, at + 3), line.subarray(at + 3)];
    expect(await decode(chunks)).toEqual([{ line: 1, value: { s: '😀' } }]);
  });

  it('yields nothing for an empty stream or one of blank lines', async () => {
    expect(await decode([])).toEqual([]);
    expect(await decode([Buffer.from('\n\r\n\n')])).toEqual([]);
  });

  it('fails on a line that is not JSON, with its line number, source and parser reason', async () => {
    const input = Buffer.from('{"ok":1}\n\nStarting sync...\n{"never":1}\n');
    const error = await decodeError(decode, [input], { source: 'source-postgres' });
    expect(error).toMatchObject({ rule: 'json', line: 3, source: 'source-postgres', path: '' });
    expect(error.actual).toMatch(/^invalid JSON \(Unexpected token 'S'/);
    expect(error.message).toMatch(/^source-postgres line 3: value must be a JSON object/);
  });

  it('fails on truncated JSON at the end of the stream', async () => {
    const error = await decodeError(decode, [Buffer.from('{"ok":1}\n{"cut":')]);
    expect(error).toMatchObject({ rule: 'json', line: 2, source: undefined });
  });

  it.each([
    ['[1,2]', 'array [1,2]'],
    ['"text"', 'string "text"'],
    ['42', 'number 42'],
    ['true', 'boolean true'],
    ['null', 'null'],
  ])('fails on JSON that is not an object: %s', async (line, actual) => {
    const error = await decodeError(decode, [Buffer.from(`{"ok":1}\r\n${line}\r\n`)]);
    expect(error).toMatchObject({ rule: 'object', line: 2, actual, expected: 'a JSON object' });
  });

  it('delivers the messages before a bad line', async () => {
    const messages: Parsed[] = [];
    const source = Readable.from([Buffer.from('{"a":1}\n{"b":2}\n'), Buffer.from('oops\n')]);
    await expect(async () => {
      for await (const message of readMessages(source)) messages.push(message);
    }).rejects.toThrow(ProtocolError);
    expect(messages.map((m) => m.line)).toEqual([1, 2]);
  });

  it('accepts a line of exactly maxLineBytes, with LF, CRLF or no terminator', async () => {
    const line = `{"s":"${'x'.repeat(92)}"}`;
    expect(Buffer.byteLength(line)).toBe(100);
    const input = Buffer.from(`${line}\n${line}\r\n${line}`);
    for (let offset = 0; offset <= input.length; offset += 7) {
      const chunks = [input.subarray(0, offset), input.subarray(offset)];
      const messages = await decode(chunks, { maxLineBytes: 100 });
      expect(messages.map((m) => m.line)).toEqual([1, 2, 3]);
    }
  });

  it('counts bytes, not characters, against maxLineBytes', async () => {
    // 50 characters, 101 bytes: "é" is two bytes in UTF-8.
    const line = `{"s":"${'é'.repeat(46)}x"}`;
    expect(Buffer.byteLength(line)).toBe(101);
    const error = await decodeError(decode, [Buffer.from(`{}\n${line}\n`)], { maxLineBytes: 100 });
    expect(error).toMatchObject({ rule: 'line-too-long', line: 2 });
    expect(error.expected).toBe('a line of at most 100 bytes');
  });

  it.each([
    ['terminated by LF', '\n'],
    ['terminated by CRLF', '\r\n'],
    ['at the end of the stream', ''],
  ])('fails on a line one byte too long, %s', async (_case, terminator) => {
    const line = `{"s":"${'x'.repeat(93)}"}`;
    const input = Buffer.from(`{}\n\n${line}${terminator}`);
    for (let offset = 0; offset <= input.length; offset += 5) {
      const chunks = [input.subarray(0, offset), input.subarray(offset)];
      const error = await decodeError(decode, chunks, { maxLineBytes: 100 });
      expect(error).toMatchObject({ rule: 'line-too-long', line: 3 });
    }
  });
});

describe('oversize lines are not buffered whole', () => {
  const maxLineBytes = 1000;
  const chunk = Buffer.alloc(64, 'x');

  it('createDecoder fails while the line is still arriving', () => {
    const decoder = createDecoder({ maxLineBytes, source: 'source-big' });
    const errors: unknown[] = [];
    decoder.on('error', (error) => errors.push(error));
    decoder.write(Buffer.from('{"ok":1}\n{"s":"'));
    let written = 0;
    // An endless line: the decoder must give up after about maxLineBytes, not wait for it.
    // `errored` is set as the failing write returns; `destroyed` follows a tick later.
    while (decoder.errored === null && written < 100 * maxLineBytes) {
      decoder.write(chunk);
      written += chunk.length;
    }
    expect(decoder.errored).toBeInstanceOf(ProtocolError);
    expect(written).toBeLessThanOrEqual(maxLineBytes + chunk.length);
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        expect(decoder.destroyed).toBe(true);
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ rule: 'line-too-long', line: 2, source: 'source-big' });
        expect((errors[0] as Error).message).toMatch(/stopped reading it after \d+ bytes/);
        resolve();
      });
    });
  });

  it('readMessages stops pulling chunks once the line passes the limit', async () => {
    let pulled = 0;
    async function* endlessLine(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"ok":1}\n{"s":"');
      for (;;) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    const lines: number[] = [];
    const error = await (async () => {
      for await (const message of readMessages(endlessLine(), { maxLineBytes })) {
        lines.push(message.line);
      }
    })().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(lines).toEqual([1]);
    expect(error).toMatchObject({ rule: 'line-too-long', line: 2 });
    expect(pulled).toBeLessThanOrEqual(maxLineBytes + chunk.length);
  });
});

describe('readMessageBatches', () => {
  it('yields the messages each chunk completes together, in order, and no empty batch', async () => {
    const chunks = ['{"a":1}\n{"a":2}\n{"a', '":3', '}\n', '{"a":4}'].map((text) => Buffer.from(text));
    const batches: number[][] = [];
    for await (const batch of readMessageBatches(Readable.from(chunks))) {
      batches.push(batch.map((message) => message.value['a'] as number));
    }
    expect(batches).toEqual([[1, 2], [3], [4]]);
  });

  it('hands the lines that `take` accepts over unparsed, in their place, with their numbers', async () => {
    const chunks = ['{"a":1}\r\n\nskip me {\n{"a', '":2}\nskip', ' me too\n', '{"a":3}'].map((text) =>
      Buffer.from(text),
    );
    const take = (buffer: Buffer, start: number, end: number, line: number) => {
      const text = buffer.toString('utf8', start, end);
      return text.startsWith('skip') ? { line, text } : undefined;
    };
    const items: unknown[] = [];
    for await (const batch of readMessageBatches(Readable.from(chunks), {}, take)) items.push(...batch);
    expect(items).toEqual([
      { line: 1, value: { a: 1 }, text: '{"a":1}' },
      { line: 3, text: 'skip me {' },
      { line: 4, value: { a: 2 }, text: '{"a":2}' },
      { line: 5, text: 'skip me too' },
      { line: 6, value: { a: 3 }, text: '{"a":3}' },
    ]);
  });
});

describe('decodeLine', () => {
  it('parses one line as an object, undefined when blank, failing like the decoder', () => {
    expect(decodeLine('{"a":1}', 3)).toEqual({ line: 3, value: { a: 1 }, text: '{"a":1}' });
    expect(decodeLine('  ', 3)).toBeUndefined();
    expect(() => decodeLine('{"a":', 3, 'src')).toThrow(
      expect.objectContaining({ rule: 'json', line: 3, source: 'src' }),
    );
    expect(() => decodeLine('[1]', 4)).toThrow(expect.objectContaining({ rule: 'object', line: 4 }));
  });
});

describe('createDecoder options', () => {
  it.each([0, -1, 1.5, Number.NaN])('rejects maxLineBytes %s', (maxLineBytes) => {
    expect(() => createDecoder({ maxLineBytes })).toThrow(RangeError);
  });

  it('accepts strings written to it', async () => {
    const decoder = createDecoder();
    decoder.end('{"a":"é"}\n');
    const messages: Parsed[] = [];
    for await (const message of decoder) messages.push(message as DecodedMessage);
    expect(messages).toEqual([{ line: 1, value: { a: 'é' }, text: '{"a":"é"}' }]);
  });
});
