import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineWriter } from './line-writer.js';

/** A stream that records each write; with `hold`, it completes a write only when told. */
function recorder(highWaterMark = 1024, hold = false) {
  const writes: string[] = [];
  let release: (() => void) | undefined;
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString());
      if (hold) release = callback;
      else callback();
    },
  });
  return { stream, writes, drain: () => release?.() };
}

describe('LineWriter', () => {
  it('gathers lines into one write per batch, in order', async () => {
    const { stream, writes } = recorder(1 << 20);
    const writer = new LineWriter(stream, { batchBytes: 100 });
    for (let i = 0; i < 30; i++) await writer.write({ i });
    await writer.flush();
    expect(writes.length).toBeLessThan(10);
    expect(writes.join('')).toBe(Array.from({ length: 30 }, (_, i) => `{"i":${i}}\n`).join(''));
  });

  it('writes a batch that does not fill up on the next turn of the event loop', async () => {
    const { stream, writes } = recorder(1 << 20);
    const writer = new LineWriter(stream);
    expect(writer.write({ a: 1 })).toBeUndefined();
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['{"a":1}\n']);
  });

  it('makes the caller wait while the stream is full', async () => {
    const { stream, drain } = recorder(16, true);
    const writer = new LineWriter(stream, { batchBytes: 32 });
    const pending = writer.write({ payload: 'x'.repeat(40) });
    expect(pending).toBeInstanceOf(Promise);
    let resolved = false;
    void pending!.then(() => (resolved = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);
    drain();
    await pending;
    expect(resolved).toBe(true);
  });
});

describe('LineWriter on a closed stream', () => {
  it('reports a background write to a closed stream to the next caller, not as an uncaught exception', async () => {
    const { stream } = recorder(1 << 20);
    const writer = new LineWriter(stream);
    writer.write({ a: 1 });
    stream.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(writer.flush()).rejects.toThrow(/already closed/);
  });
});
