import type { Writable } from 'node:stream';
import { encodeMessage, waitForDrain } from './encoder.js';

/** Bytes gathered before one write; a pipe moves 64 KiB per syscall at most. */
const DEFAULT_BATCH_BYTES = 64 * 1024;

/**
 * Writes NDJSON lines in batches: one write (one syscall) per ~64 KiB instead of one per
 * message, which on a busy pipe was the largest single cost of moving records. Backpressure
 * is kept: a caller awaiting `write` waits whenever a full batch finds the stream full. A
 * batch that does not fill up is written on the next turn of the event loop, so a slow
 * producer's messages are not held back. Every message must go through the same writer, and
 * `flush()` must be awaited before the stream is ended.
 */
export class LineWriter {
  readonly #stream: Writable;
  readonly #batchBytes: number;
  #parts: string[] = [];
  #bytes = 0;
  #scheduled: NodeJS.Immediate | undefined;
  /** A failure of a batch written in the background, reported to the next caller. */
  #failure: unknown;

  constructor(stream: Writable, options: { batchBytes?: number } = {}) {
    this.#stream = stream;
    this.#batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  }

  /** Queues a message (encoded as one JSON line). */
  write(message: unknown): Promise<void> | undefined {
    return this.writeLine(encodeMessage(message));
  }

  /** Queues a line that is already JSON and ends with "\n" (e.g. forwarded verbatim). */
  writeLine(line: string): Promise<void> | undefined {
    if (this.#failure !== undefined) throw this.#failure;
    this.#parts.push(line);
    this.#bytes += line.length;
    if (this.#bytes >= this.#batchBytes) return this.flush();
    this.#scheduled ??= setImmediate(() => {
      this.#scheduled = undefined;
      // Nobody awaits this write: a closed stream must not become an uncaught exception.
      try {
        this.#writeBatch();
      } catch (error) {
        this.#failure ??= error;
      }
    });
    return undefined;
  }

  /** Writes whatever is queued, without waiting for the stream to drain. */
  writeQueued(): void {
    if (this.#failure !== undefined) throw this.#failure;
    this.#writeBatch();
  }

  /** Writes whatever is queued and waits until the stream can take more. */
  async flush(): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (!this.#writeBatch()) await waitForDrain(this.#stream);
  }

  /** Returns false when the stream asks the writer to wait for `drain`. */
  #writeBatch(): boolean {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    if (this.#parts.length === 0) return !this.#stream.writableNeedDrain;
    const chunk = this.#parts.length === 1 ? this.#parts[0]! : this.#parts.join('');
    this.#parts = [];
    this.#bytes = 0;
    if (this.#stream.destroyed || this.#stream.writableEnded) {
      throw new Error('cannot write messages: the stream is already closed');
    }
    return this.#stream.write(chunk);
  }
}
