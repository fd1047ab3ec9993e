// A connection's socket whose reads land in buffers of its own, reused: Node reads into a new
// 64 KiB buffer each time (an allocation, fresh pages faulted in by the kernel's copy, garbage
// for the collector), which over a large COPY was a tenth of the read. A copy takes the reads
// as they come (`tap`) and gives each back once done with it; otherwise each read is emitted
// as 'data', as any socket's, in a copy of its own since pg's parser may keep it. Reads fill a
// buffer one after the other: a copy holds many small reads at once (the server sends 8 KiB at
// a time), which would each pin a buffer of their own.

import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';

/** One socket read at most: larger than Node's 64 KiB, for fewer reads while a copy streams. */
export const READ_BYTES = 256 << 10;
/** A read goes into what is left of the current buffer while at least this much is. */
const MIN_READ_BYTES = 64 << 10;
/** Free buffers kept: enough for what a copy holds (see copy-out.ts) and the read in progress. */
const KEEP = 4;

/** Takes each read; owns its bytes until giving them back with `SocketReads#release`. */
export type ReadTap = (chunk: Buffer) => void;

/** A buffer reads are made into: `used` bytes of it read, `taken` reads of it not given back yet. */
interface Slab {
  readonly bytes: Buffer;
  used: number;
  taken: number;
}

const bySocket = new WeakMap<Socket, SocketReads>();

/** The reads of a socket made by `SocketReads`, taken or emitted. */
export class SocketReads {
  readonly socket: Socket;
  private readonly free: Buffer[] = [];
  private readonly slabs = new Map<ArrayBufferLike, Slab>();
  private current: Slab | undefined;
  private tap: ReadTap | undefined;

  constructor() {
    const onread: OnReadOpts = {
      buffer: () => this.room(),
      callback: (bytes, buffer) => {
        this.read(buffer as Buffer, bytes);
        return true;
      },
    };
    // Node's constructor takes `onread` as `connect` does; its types list it for `connect` only.
    this.socket = new Socket({ onread } as SocketConstructorOpts);
    bySocket.set(this.socket, this);
  }

  /** The `SocketReads` of `socket`, when it was made by one. */
  static of(socket: unknown): SocketReads | undefined {
    return socket instanceof Socket ? bySocket.get(socket) : undefined;
  }

  /** Hands every read to `tap` from now on; undefined emits them as 'data' again. */
  setTap(tap: ReadTap | undefined): void {
    this.tap = tap;
  }

  /** Takes back a read given to the tap. */
  release(chunk: Buffer): void {
    const slab = this.slabs.get(chunk.buffer)!;
    if (--slab.taken === 0 && slab !== this.current) this.recycle(slab);
  }

  /**
   * Where the next read lands: the rest of the current buffer, or a buffer of its own once too
   * little is left. Node asks for it ahead of the read, so it never moves back over bytes
   * read but not taken yet: only here, while nothing of the buffer is held, does it start over.
   */
  private room(): Buffer {
    let slab = this.current;
    if (slab && slab.taken === 0) slab.used = 0;
    if (!slab || slab.bytes.length - slab.used < MIN_READ_BYTES) {
      if (slab && slab.taken === 0) this.recycle(slab);
      const bytes = this.free.pop() ?? Buffer.allocUnsafeSlow(READ_BYTES);
      slab = { bytes, used: 0, taken: 0 };
      this.slabs.set(bytes.buffer, slab);
      this.current = slab;
    }
    return slab.bytes.subarray(slab.used);
  }

  private recycle(slab: Slab): void {
    this.slabs.delete(slab.bytes.buffer);
    if (this.free.length < KEEP) this.free.push(slab.bytes);
  }

  private read(buffer: Buffer, bytes: number): void {
    const chunk = buffer.subarray(0, bytes);
    const tap = this.tap;
    if (tap) {
      const slab = this.slabs.get(buffer.buffer)!;
      slab.used = buffer.byteOffset + bytes;
      slab.taken++;
      tap(chunk);
      return;
    }
    // A copy: the bytes read stay free for the next read.
    this.socket.emit('data', Buffer.from(chunk));
  }
}
