import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { attachStdin, demuxAttachStream } from './docker-streams.js';

function frame(stream: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('demuxAttachStream', () => {
  it.each([1, 3, 8, 13, 1000])(
    'splits frames into stdout and stderr when chunks of %i bytes cut headers and payloads',
    async (size) => {
      const attach = new PassThrough();
      const { stdout, stderr } = demuxAttachStream(attach);
      const wire = Buffer.concat([
        frame(1, 'out 1\n'),
        frame(2, 'err 1\n'),
        frame(0, 'stdin echo is ignored'),
        frame(1, 'out 2\n'),
        frame(1, ''),
      ]);
      for (let i = 0; i < wire.length; i += size) attach.write(wire.subarray(i, i + size));
      attach.end();
      const [out, err] = await Promise.all([text(stdout), text(stderr)]);
      expect(out).toBe('out 1\nout 2\n');
      expect(err).toBe('err 1\n');
    },
  );

  it('stops taking input while a reader is full, and resumes when it drains', async () => {
    const attach = new PassThrough({ highWaterMark: 1 });
    const { stdout, stderr } = demuxAttachStream(attach);
    const big = 'x'.repeat(64 * 1024);
    let accepted = 0;
    while (attach.write(frame(1, big))) accepted++;
    // Nobody reads stdout: after its buffer fills the demuxer must stop pulling frames.
    await new Promise((resolve) => setImmediate(resolve));
    expect(attach.writableLength).toBeGreaterThan(0);
    expect(stdout.readableLength).toBeLessThan(4 * big.length);
    attach.end();
    const out = await text(stdout);
    expect(out.length).toBe((accepted + 1) * big.length);
    stderr.resume();
  });

  it('waits for a full reader once per chunk, however many frames the chunk holds', async () => {
    const attach = new PassThrough();
    const { stdout, stderr } = demuxAttachStream(attach);
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}\n`);
    const drainListeners = stdout.listenerCount('drain');
    attach.write(Buffer.concat(lines.map((line) => frame(1, line.repeat(1000)))));
    await new Promise((resolve) => setImmediate(resolve));
    // One waiter, not one per frame (50 tripped MaxListenersExceededWarning).
    expect(stdout.listenerCount('drain') - drainListeners).toBe(1);
    attach.end();
    expect(await text(stdout)).toBe(lines.map((line) => line.repeat(1000)).join(''));
    stderr.resume();
  });

  it('keeps delivering stderr when the stdout reader has gone', async () => {
    const attach = new PassThrough();
    const { stdout, stderr } = demuxAttachStream(attach);
    stdout.destroy();
    attach.end(Buffer.concat([frame(1, 'lost\n'), frame(2, 'kept\n')]));
    expect(await text(stderr)).toBe('kept\n');
  });
});

describe('attachStdin', () => {
  it('writes through and half-closes the socket on end', async () => {
    const socket = new PassThrough();
    const stdin = attachStdin(socket);
    stdin.end('hello\n');
    expect(await text(socket)).toBe('hello\n');
  });

  it('fails a write with EPIPE once the socket is closed', async () => {
    const socket = new PassThrough();
    socket.end();
    const stdin = attachStdin(socket);
    const error = await new Promise((resolve) => {
      stdin.on('error', resolve);
      stdin.write('late\n');
    });
    expect(error).toMatchObject({ code: 'EPIPE' });
  });
});
