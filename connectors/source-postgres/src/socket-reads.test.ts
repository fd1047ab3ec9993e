import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SocketReads } from './socket-reads.js';

let closeAll: (() => Promise<void>) | undefined;

afterEach(async () => {
  await closeAll?.();
  closeAll = undefined;
});

/** A SocketReads connected to a local server; `peer` is the server's end of the connection. */
async function connected(): Promise<{ reads: SocketReads; peer: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const reads = new SocketReads();
  const accepted = once(server, 'connection');
  reads.socket.connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [peer] = (await accepted) as [Socket];
  closeAll = async () => {
    reads.socket.destroy();
    peer.destroy();
    server.close();
    await once(server, 'close');
  };
  return { reads, peer };
}

const length = (chunks: readonly Buffer[]) => chunks.reduce((sum, chunk) => sum + chunk.length, 0);

describe('SocketReads', () => {
  it("emits each read as 'data' of its own while nothing taps it, its buffer reused", async () => {
    const { reads, peer } = await connected();
    const sent = Buffer.alloc(1 << 20);
    for (let i = 0; i < sent.length; i++) sent[i] = i % 251;
    const chunks: Buffer[] = [];
    const all = new Promise<void>((resolve) =>
      reads.socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (length(chunks) === sent.length) resolve();
      }),
    );
    peer.write(sent);
    await all;
    // Each emitted chunk kept its bytes after the buffer it was read into was read into again.
    expect(Buffer.concat(chunks).equals(sent)).toBe(true);
  });

  it('hands reads to a tap, reusing the buffers it gives back, then emits again once untapped', async () => {
    const { reads, peer } = await connected();
    const tapped: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    const all = new Promise<void>((resolve) =>
      reads.setTap((chunk) => {
        buffers.add(chunk.buffer);
        tapped.push(Buffer.from(chunk));
        reads.release(chunk);
        if (length(tapped) === 4 << 20) resolve();
      }),
    );
    peer.write(Buffer.alloc(4 << 20, 1));
    await all;
    expect(Buffer.concat(tapped).equals(Buffer.alloc(4 << 20, 1))).toBe(true);
    // Given back after each read, one buffer serves every read.
    expect(buffers.size).toBe(1);

    reads.setTap(undefined);
    const data = once(reads.socket, 'data');
    peer.write('after');
    expect(String((await data)[0])).toBe('after');
  });

  it('reads into what is left of a buffer while reads of it are held, never over them', async () => {
    const { reads, peer } = await connected();
    const held: Buffer[] = [];
    const sent: Buffer[] = [];
    let arrived: () => void = () => undefined;
    reads.setTap((chunk) => {
      held.push(chunk);
      arrived();
    });
    // Small sends, each read on its own, as a server's rows arrive.
    for (let i = 0; i < 64; i++) {
      const piece = Buffer.alloc(8 << 10, i);
      sent.push(piece);
      const read = new Promise<void>((resolve) => (arrived = resolve));
      peer.write(piece);
      await read;
      while (length(held) < length(sent)) await new Promise<void>((resolve) => (arrived = resolve));
    }
    expect(Buffer.concat(held).equals(Buffer.concat(sent))).toBe(true);
    // 512 KiB held in a few buffers, not one buffer per read.
    const buffers = new Set(held.map((chunk) => chunk.buffer));
    expect(buffers.size).toBeLessThanOrEqual(4);
    expect(held.length).toBeGreaterThan(buffers.size);
    for (const chunk of held) reads.release(chunk);
  });
});
