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

  it('hands the bytes back when the stream is already closed', async () => {
    const { stream } = slowStream();
    stream.destroy();
    const output = new MessageOutput(stream);
    let written = false;
    await expect(output.writeBytes(Buffer.from('x\n'), () => (written = true))).rejects.toThrow(/already closed/);
    expect(written).toBe(true);
  });
});
