import { Transform, type Writable } from 'node:stream';

/** Serializes one message as an NDJSON line (`JSON.stringify(value) + "\n"`). */
export function encodeMessage(value: unknown): string {
  const json = JSON.stringify(value);
  // JSON.stringify returns undefined for undefined, functions and symbols: nothing to send.
  if (json === undefined) throw new TypeError(`cannot encode ${typeof value} as an NDJSON line`);
  return `${json}\n`;
}

/**
 * An object-mode Transform from messages to NDJSON bytes, one line per message. Its
 * `write()` returns false once the destination stops reading, so `stream.pipeline` and
 * `Readable.from` sources respect backpressure.
 */
export function createEncoder(): Transform {
  return new Transform({
    writableObjectMode: true,
    transform(value: unknown, _encoding, callback) {
      let line: string;
      try {
        line = encodeMessage(value);
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback(null, line);
    },
  });
}

/**
 * Writes one message to a byte stream (e.g. stdout or a child's stdin) and resolves when
 * the caller may write again: at once while the stream has room, after `drain` otherwise.
 * Rejects if the stream errors or closes first.
 */
export async function writeMessage(stream: Writable, value: unknown): Promise<void> {
  const line = encodeMessage(value);
  if (stream.destroyed || stream.writableEnded) {
    throw new Error('cannot write a message: the stream is already closed');
  }
  if (stream.write(line)) return;
  await waitForDrain(stream);
}

/** Resolves on the stream's next `drain`; rejects if it errors or closes first. */
export function waitForDrain(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('the stream closed before it drained'));
    };
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
