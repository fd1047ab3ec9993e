import type { Writable } from 'node:stream';
import { LineWriter } from '../ndjson/index.js';
import type { AirbyteMessage } from '../types.js';
import { redact } from './secrets.js';

/**
 * The connector's stdout: protocol messages only, one JSON object per line, written in
 * batches. Writes wait for `drain` when the reader is slower than us, so a connector never
 * buffers a table in memory.
 * LOG and TRACE texts are scrubbed of secrets here, the one place every message passes.
 */
export class MessageOutput {
  private secrets: readonly string[] = [];
  private readonly lines: LineWriter;
  /** The write of the bytes last given to `writeBytes`, until the stream is done with them. */
  private bytesWritten: Promise<void> | undefined;

  constructor(private readonly stream: Writable) {
    this.lines = new LineWriter(stream);
  }

  setSecrets(secrets: readonly string[]): void {
    this.secrets = secrets;
  }

  async write(message: AirbyteMessage): Promise<void> {
    await this.lines.write(this.scrub(message));
    // A STATE confirms a commit: it leaves at once, so a crash right after a commit loses as
    // little confirmation as possible (what is committed but unconfirmed is sent again).
    if (message.type === 'STATE') await this.lines.flush();
  }

  /**
   * Queues a RECORD line already encoded (ending in a newline); records carry no secret to
   * scrub. Returns a promise only when the caller must wait for the stream to drain.
   */
  writeLine(line: string): Promise<void> | undefined {
    return this.lines.writeLine(line);
  }

  /**
   * Writes RECORD lines already encoded as bytes (a source's `RecordLines`), after the
   * messages queued before them; resolves once the stream is done with the bytes given before
   * these, so that the source encodes its next batch while this one is being written, and no
   * more than two batches wait in the stream. `written` is called once the stream is done
   * with `bytes` (written, or failed).
   */
  async writeBytes(bytes: Uint8Array, written?: () => void): Promise<void> {
    try {
      this.lines.writeQueued();
    } catch (error) {
      written?.();
      throw error;
    }
    if (this.stream.destroyed || this.stream.writableEnded) {
      written?.();
      throw new Error('cannot write messages: the stream is already closed');
    }
    const previous = this.bytesWritten;
    const current = new Promise<void>((resolve, reject) => {
      this.stream.write(bytes, (error) => {
        written?.();
        if (error) reject(error);
        else resolve();
      });
    });
    // Awaited by the next call or by `flush`; a failure is also the stream's 'error'.
    current.catch(() => undefined);
    this.bytesWritten = current;
    await previous;
  }

  /** Writes out every queued message; call before the stream ends. */
  async flush(): Promise<void> {
    await this.lines.flush();
    await this.bytesWritten;
  }

  private scrub(message: AirbyteMessage): AirbyteMessage {
    if (this.secrets.length === 0) return message;
    if (message.type === 'LOG' && message.log) {
      const log = { ...message.log, message: redact(message.log.message, this.secrets) };
      if (log.stack_trace !== undefined) log.stack_trace = redact(log.stack_trace, this.secrets);
      return { ...message, log };
    }
    if (message.type === 'TRACE' && message.trace?.error) {
      const error = { ...message.trace.error, message: redact(message.trace.error.message, this.secrets) };
      if (error.internal_message !== undefined) error.internal_message = redact(error.internal_message, this.secrets);
      if (error.stack_trace !== undefined) error.stack_trace = redact(error.stack_trace, this.secrets);
      return { ...message, trace: { ...message.trace, error } };
    }
    if (message.type === 'CONNECTION_STATUS' && message.connectionStatus?.message !== undefined) {
      const connectionStatus = {
        ...message.connectionStatus,
        message: redact(message.connectionStatus.message, this.secrets),
      };
      return { ...message, connectionStatus };
    }
    return message;
  }
}
