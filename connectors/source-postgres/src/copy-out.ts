// `COPY … TO STDOUT` read from the connection's socket as it arrives: the server sends one
// CopyData message per row, and the messages are handed on in place, a socket read at a time,
// instead of as a buffer per row (what pg-copy-streams does: a slice per row, then a
// concatenation per read, was a fifth of the read). While the copy runs, pg's parser does not
// see the socket; the bytes from the copy's end on (CopyDone, or an error) go back to it, so
// the query completes or fails through pg as any other. On a socket of socket-reads.ts the
// copy taps its reads rather than its 'data' events, and gives each read's buffer back to it
// once the batch holding it is taken.

import type pg from 'pg';
import { SocketReads } from './socket-reads.js';

/** Whole CopyData messages in `bytes[start, end)`: each `d`, its length (4 bytes, itself included) and one row. */
export interface CopyDataRun {
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
}

const COPY_DATA = 0x64; // d
/** CopyOutResponse (H) and what the server may send at any time (N, S, A): passed over, as pg-copy-streams does. */
const PASSED_OVER = new Set([0x48, 0x4e, 0x53, 0x41]);
const HEADER = 5;

/** Cuts the bytes of a copy into runs of whole CopyData messages, joining a message cut between two reads. */
export class CopyDataFramer {
  /** A message cut by the end of a read: its bytes so far, sized to the whole message once its header is in. */
  private partial: Buffer | undefined;
  private partialLength = 0;

  /**
   * Adds the runs of `chunk` to `runs`. Once a message that ends the copy arrives (CopyDone,
   * ErrorResponse, anything unexpected), returns the bytes from it on: they are pg's.
   */
  push(chunk: Buffer, runs: CopyDataRun[]): Buffer | undefined {
    let at = 0;
    if (this.partial) {
      at = this.fillPartial(chunk);
      if (this.partialLength < this.partial.length || this.partialLength < HEADER) return undefined;
      const message = this.partial;
      this.partial = undefined;
      this.partialLength = 0;
      const type = message[0]!;
      if (type === COPY_DATA) runs.push({ bytes: message, start: 0, end: message.length });
      else if (!PASSED_OVER.has(type)) return Buffer.concat([message, chunk.subarray(at)]);
    }
    let start = at;
    let p = at;
    while (p + HEADER <= chunk.length) {
      const type = chunk[p]!;
      if (type !== COPY_DATA) {
        if (p > start) runs.push({ bytes: chunk, start, end: p });
        if (!PASSED_OVER.has(type)) return chunk.subarray(p);
        start = p;
      }
      const next = p + 1 + chunk.readUInt32BE(p + 1);
      if (next > chunk.length) break;
      p = next;
      if (type !== COPY_DATA) start = p;
    }
    if (p > start) runs.push({ bytes: chunk, start, end: p });
    if (p < chunk.length) {
      this.partial = Buffer.allocUnsafe(HEADER);
      this.fillPartial(chunk.subarray(p));
    }
    return undefined;
  }

  /** Copies into the partial message what `chunk` holds of it; returns how many bytes that took. */
  private fillPartial(chunk: Buffer): number {
    let at = 0;
    if (this.partialLength < HEADER) {
      at = chunk.copy(this.partial!, this.partialLength, 0, HEADER - this.partialLength);
      this.partialLength += at;
      if (this.partialLength < HEADER) return at;
      const whole = Buffer.allocUnsafe(1 + this.partial!.readUInt32BE(1));
      this.partial!.copy(whole);
      this.partial = whole;
    }
    const taken = chunk.copy(this.partial!, this.partialLength, at);
    this.partialLength += taken;
    return at + taken;
  }
}

/** Reading stops while this much of the copy waits to be taken. */
export const QUEUED_BYTES_LIMIT = 256 << 10;
/**
 * A batch is handed on once this much of the copy waits: each batch costs a write to stdout and
 * its way through the SDK, and writing 333 MB in 16 KiB writes (the size of the server's sends
 * as they arrive) took twice the CPU of writing it in 256 KiB ones.
 */
export const BATCH_BYTES = 128 << 10;
/** …or once its first rows have waited this long, so that a slow query's rows are not held back. */
const BATCH_WAIT_MS = 2;

/**
 * A copy out as a pg query: `client.query(copy)` sends it, `batches()` gives its rows. The
 * caller closes the client when it stops before the end (pg then drops the connection rather
 * than wait for the rest of the copy).
 */
export class CopyOut {
  private socket: pg.Connection['stream'] | undefined;
  private pgListener: ((chunk: Buffer) => void) | undefined;
  /** The socket's reads when it hands them over in buffers of its own, given back once a batch is taken. */
  private reads: SocketReads | undefined;
  private held: Buffer[] = [];
  private readonly framer = new CopyDataFramer();
  private queued: CopyDataRun[] = [];
  private queuedBytes = 0;
  private paused = false;
  private done = false;
  private error: unknown;
  private wake: (() => void) | undefined;
  private wakeScheduled = false;
  /** Runs while a batch smaller than BATCH_BYTES waits; `due` once it has waited long enough. */
  private timer: NodeJS.Timeout | undefined;
  private due = false;

  constructor(private readonly text: string) {}

  /** Called by pg when the query's turn comes: takes the socket's data from pg's parser, then sends the query. */
  submit(connection: pg.Connection): void {
    const socket = connection.stream;
    this.reads = SocketReads.of(socket);
    if (this.reads) {
      this.reads.setTap(this.onData);
    } else {
      const listeners = socket.listeners('data');
      if (listeners.length !== 1)
        throw new Error(`the connection's socket has ${listeners.length} data listeners, not pg's one`);
      this.pgListener = listeners[0] as (chunk: Buffer) => void;
      socket.removeListener('data', this.pgListener);
      socket.on('data', this.onData);
    }
    this.socket = socket;
    connection.query(this.text);
  }

  handleError(error: unknown): void {
    this.error = error;
    this.giveBack(undefined);
    this.stopTimer();
    this.wake?.();
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    this.done = true;
    this.wake?.();
  }

  /** The copy's rows, in batches of the runs of messages that arrived since the previous batch (see BATCH_BYTES). */
  async *batches(): AsyncGenerator<CopyDataRun[]> {
    try {
      while (true) {
        if (this.error !== undefined) throw this.error;
        if (this.queued.length > 0 && (this.due || this.done || this.queuedBytes >= BATCH_BYTES)) {
          const batch = this.queued;
          const held = this.held;
          this.queued = [];
          this.held = [];
          this.queuedBytes = 0;
          this.stopTimer();
          if (this.paused) {
            this.paused = false;
            this.socket?.resume();
          }
          yield batch;
          // The batch is done with once the next is asked for.
          for (const chunk of held) this.reads!.release(chunk);
        } else if (this.done) {
          return;
        } else {
          if (this.queued.length > 0) this.startTimer();
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
        }
      }
    } finally {
      this.stopTimer();
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.reads) this.held.push(chunk);
    try {
      const before = this.queued.length;
      const rest = this.framer.push(chunk, this.queued);
      for (let i = before; i < this.queued.length; i++) this.queuedBytes += this.queued[i]!.end - this.queued[i]!.start;
      if (rest) this.giveBack(rest);
      else if (this.queuedBytes >= QUEUED_BYTES_LIMIT && !this.paused) {
        this.paused = true;
        this.socket!.pause();
      }
    } catch (error) {
      // Thrown in a socket event, it would end the process: the read fails with it instead.
      this.error ??= error;
    }
    this.wakeAfterReads();
  };

  /**
   * Wakes the reader once a batch is full and the event loop is done with the socket reads it
   * has ready: the reads of one turn go out as one batch (one encoding, one write) rather than
   * one each. A batch not full yet waits for its timer.
   */
  private wakeAfterReads(): void {
    if (!this.wake) return;
    if (this.queuedBytes < BATCH_BYTES) {
      if (this.queued.length > 0) this.startTimer();
      return;
    }
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wake?.();
    });
  }

  private startTimer(): void {
    if (this.timer || this.due) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = true;
      this.wake?.();
    }, BATCH_WAIT_MS);
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = false;
  }

  /** Hands the socket back to pg's parser, with the bytes that follow the copy. */
  private giveBack(rest: Buffer | undefined): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    if (this.reads) {
      this.reads.setTap(undefined);
      // A copy: the buffer goes back to the socket's reads, pg's parser may keep what it is given.
      if (rest && rest.length > 0) socket.emit('data', Buffer.from(rest));
    } else {
      socket.removeListener('data', this.onData);
      socket.on('data', this.pgListener!);
      if (rest && rest.length > 0) this.pgListener!(rest);
    }
    if (this.paused) socket.resume();
  }
}
