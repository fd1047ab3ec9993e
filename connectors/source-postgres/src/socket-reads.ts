// A connection's socket whose reads land in buffers of its own, reused: Node reads into a new
// 64 KiB buffer each time (an allocation, fresh pages faulted in by the kernel's copy, garbage
// for the collector), which over a large COPY was a tenth of the read. A copy takes the reads
// as they come (`tap`) and gives each buffer back once done with it; otherwise each read is
// emitted as 'data', as any socket's, in a copy of its own since pg's parser may keep it.

import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';

/** One socket read at most: larger than Node's 64 KiB, for fewer reads while a copy streams. */
export const READ_BYTES = 256 << 10;
/** Free buffers kept: enough for what a copy holds (see copy-out.ts) and the read in progress. */
const KEEP = 4;

/** Takes each read; owns its buffer until giving it back with `SocketReads#release`. */
export type ReadTap = (chunk: Buffer) => void;

const bySocket = new WeakMap<Socket, SocketReads>();

/** The reads of a socket made by `SocketReads`, taken or emitted. */
export class SocketReads {
  readonly socket: Socket;
  private readonly free: Buffer[] = [];
  private tap: ReadTap | undefined;

  constructor() {
    const onread: OnReadOpts = {
      buffer: () => this.free.pop() ?? Buffer.allocUnsafeSlow(READ_BYTES),
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

  /** Takes back the buffer of a read given to the tap (the chunk, or any view of its buffer). */
  release(chunk: Buffer): void {
    if (this.free.length < KEEP) this.free.push(Buffer.from(chunk.buffer));
  }

  private read(buffer: Buffer, bytes: number): void {
    const tap = this.tap;
    if (tap) {
      tap(buffer.subarray(0, bytes));
      return;
    }
    const copy = Buffer.from(buffer.subarray(0, bytes));
    this.release(buffer);
    this.socket.emit('data', copy);
  }
}
