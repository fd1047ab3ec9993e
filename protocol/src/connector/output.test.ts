import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MessageOutput } from './output.js';

/** A stream whose one write completes only when the test calls what `received` gives. */
function slowStream(): { stream: Writable; received: Promise<() => void> } {
  let receive: (complete: () => void) => void = () => undefined;
  const received = new Promise<() => void>((resolve) => (receive = resolve));
  const stream = new Writable({ write: (_chunk, _encoding, done) => receive(() => done()) });
  return { stream, received };
}

/** A stream whose writes complete when the test calls `complete`, in order; `chunks` are those it was given. */
function heldStream(): { stream: Writable; chunks: string[]; complete: () => void } {
  const chunks: string[] = [];
  const pending: (() => void)[] = [];
  const stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      chunks.push(chunk.toString());
      pending.push(done);
    },
  });
  return { stream, chunks, complete: () => pending.shift()?.() };
}

describe('MessageOutput.writeBytes', () => {
  it('says the bytes are written once the stream is done with them, not when they are queued', async () => {
    const { stream, received } = slowStream();
    const output = new MessageOutput(stream);
    let written = false;
    const done = new Promise<void>((resolve) => {
      void output.writeBytes(Buffer.from('{"type":"RECORD"}\n'), () => {
        written = true;
        resolve();
      });
    });
    const complete = await received;
    expect(written).toBe(false);
    complete();
    await done;
    expect(written).toBe(true);
  });

  it('lets the next batch be encoded while one is written, holding the one after until it is', async () => {
    const { stream, chunks, complete } = heldStream();
    const output = new MessageOutput(stream);
    const order: string[] = [];
    // Nothing before it: the caller goes on at once, the bytes still with the stream.
    await output.writeBytes(Buffer.from('a\n'), () => order.push('a written'));
    expect(chunks).toEqual(['a\n']);
    const second = output
      .writeBytes(Buffer.from('b\n'), () => order.push('b written'))
      .then(() => order.push('b returned'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    complete();
    await second;
    expect(order).toEqual(['a written', 'b returned']);
    const flushed = output.flush().then(() => order.push('flushed'));
    complete();
    await flushed;
    expect(chunks).toEqual(['a\n', 'b\n']);
    expect(order).toEqual(['a written', 'b returned', 'b written', 'flushed']);
  });

  it('hands the bytes back when the stream is already closed', async () => {
    const { stream } = slowStream();
    stream.destroy();
    const output = new MessageOutput(stream);
    let written = false;
    await expect(output.writeBytes(Buffer.from('x\n'), () => (written = true))).rejects.toThrow(/already closed/);
    expect(written).toBe(true);
  });
});
