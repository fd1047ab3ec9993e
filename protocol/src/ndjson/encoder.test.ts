import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { readMessages } from './decoder.js';
import { createEncoder, encodeMessage, writeMessage } from './encoder.js';

/** A destination that accepts nothing until the test calls `release()`. */
function slowWritable(highWaterMark: number) {
  const held: Array<() => void> = [];
  const received: Buffer[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      held.push(() => callback());
    },
  });
  const release = (): void => {
    while (held.length > 0) held.shift()?.();
  };
  return { stream, received, release, held };
}

/** Settles within one macrotask turn or reports that it is still pending. */
function state(promise: Promise<unknown>): Promise<string> {
  return Promise.race([
    promise.then(
      () => 'resolved',
      () => 'rejected',
    ),
    new Promise<string>((resolve) => setImmediate(() => resolve('pending'))),
  ]);
}

describe('encodeMessage', () => {
  it('writes one line per message, escaping newlines inside strings', () => {
    expect(encodeMessage({ type: 'LOG', log: { message: 'a\nb\r\nc\u2028' } })).toBe(
      '{"type":"LOG","log":{"message":"a\\nb\\r\\nc\u2028"}}\n',
    );
  });

  it('refuses values JSON cannot represent', () => {
    expect(() => encodeMessage(undefined)).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeMessage(cyclic)).toThrow(TypeError);
  });
});

describe('createEncoder', () => {
  it('round-trips messages through the decoder', async () => {
    const messages = [{ type: 'RECORD', record: { stream: 'users', data: { name: 'Zoé 😀' } } }, { type: 'STATE' }];
    const chunks: Buffer[] = [];
    await pipeline(Readable.from(messages), createEncoder(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    });
    const decoded = [];
    for await (const { line, value } of readMessages(chunks)) decoded.push({ line, value });
    expect(decoded).toEqual(messages.map((value, i) => ({ line: i + 1, value })));
  });

  it('fails the pipeline on a value it cannot encode', async () => {
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    await expect(pipeline(Readable.from([{ ok: 1 }, () => 0]), createEncoder(), sink)).rejects.toThrow(
      /cannot encode function/,
    );
  });

  it('reports backpressure from a slow destination and resumes on drain', async () => {
    const destination = slowWritable(64);
    const encoder = createEncoder();
    encoder.pipe(destination.stream);
    let accepted = 0;
    while (encoder.write({ i: accepted, padding: 'x'.repeat(100) })) {
      accepted += 1;
      expect(accepted).toBeLessThan(1000);
    }
    // The destination took one chunk and holds it; everything else waits in the encoder.
    expect(encoder.writableNeedDrain).toBe(true);
    const drained = new Promise<void>((resolve) => encoder.once('drain', resolve));
    expect(await state(drained)).toBe('pending');
    while ((await state(drained)) === 'pending') destination.release();
    expect(encoder.write({ i: accepted + 1 })).toBe(true);
    const finished = new Promise<void>((resolve) => destination.stream.on('finish', resolve));
    encoder.end();
    while ((await state(finished)) === 'pending') destination.release();
    const lines = Buffer.concat(destination.received).toString().trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(
      Array.from({ length: accepted + 2 }, (_, i) => i),
    );
  });
});

describe('writeMessage', () => {
  it('resolves at once while the stream has room', async () => {
    const destination = slowWritable(1024);
    await writeMessage(destination.stream, { a: 1 });
    expect(Buffer.concat(destination.received).toString()).toBe('{"a":1}\n');
  });

  it('waits for drain when write() returns false', async () => {
    const destination = slowWritable(4);
    const written = writeMessage(destination.stream, { a: 1 });
    expect(destination.stream.writableNeedDrain).toBe(true);
    expect(await state(written)).toBe('pending');
    destination.release();
    expect(await state(written)).toBe('resolved');
  });

  it('rejects when the stream is destroyed before it drains', async () => {
    const destination = slowWritable(4);
    const written = writeMessage(destination.stream, { a: 1 });
    destination.stream.destroy();
    await expect(written).rejects.toThrow(/closed before it drained/);
  });

  it('rejects when the stream errors before it drains', async () => {
    const destination = slowWritable(4);
    const written = writeMessage(destination.stream, { a: 1 });
    destination.stream.destroy(new Error('EPIPE'));
    await expect(written).rejects.toThrow('EPIPE');
  });

  it('rejects on a stream that has already ended', async () => {
    const destination = slowWritable(1024);
    destination.stream.end();
    await expect(writeMessage(destination.stream, { a: 1 })).rejects.toThrow(/already closed/);
  });
});
