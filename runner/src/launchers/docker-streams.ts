import { PassThrough, Writable, type Readable } from 'node:stream';
import type { Duplex } from 'node:stream';

const HEADER_BYTES = 8;
const STDOUT = 1;
const STDERR = 2;

/**
 * Splits Docker's multiplexed attach stream (8-byte frame headers: stream id, 3 zero bytes,
 * big-endian payload length) into stdout and stderr. Unlike `modem.demuxStream` it honours
 * backpressure: a frame is not acknowledged until its target has room, so a slow reader
 * pauses the socket and, through it, the container's writes.
 */
export function demuxAttachStream(attach: Readable): { stdout: PassThrough; stderr: PassThrough } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let pending: Buffer = Buffer.alloc(0);

  const demux = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let full: PassThrough[] | undefined;
      while (pending.length >= HEADER_BYTES) {
        const size = pending.readUInt32BE(4);
        if (pending.length < HEADER_BYTES + size) break;
        const target = pending[0] === STDERR ? stderr : pending[0] === STDOUT ? stdout : undefined;
        const payload = pending.subarray(HEADER_BYTES, HEADER_BYTES + size);
        pending = pending.subarray(HEADER_BYTES + size);
        // Output for a reader that has gone away is dropped.
        if (!target || target.destroyed || target.writableEnded || target.write(payload)) continue;
        if (!full?.includes(target)) (full ??= []).push(target);
      }
      if (!full) callback();
      else Promise.all(full.map(drained)).then(() => callback(), callback);
    },
    final(callback) {
      stdout.end();
      stderr.end();
      callback();
    },
  });
  attach.on('error', (error) => demux.destroy(error));
  demux.on('error', (error) => {
    stdout.destroy(error);
    stderr.destroy(error);
  });
  attach.pipe(demux);
  return { stdout, stderr };
}

/** Resolves once `target` can take more, or has gone away. */
function drained(target: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      target.off('drain', done);
      target.off('close', done);
      resolve();
    };
    target.on('drain', done);
    target.on('close', done);
  });
}

/**
 * The connector's stdin over the hijacked attach socket. Ending it half-closes the socket, which
 * Docker turns into EOF on the container's stdin (StdinOnce); the output keeps flowing. A write
 * after the container has gone fails with EPIPE, as it does for a child process.
 */
export function attachStdin(socket: Duplex): Writable {
  const stdin = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (socket.writableEnded || socket.destroyed) {
        callback(brokenPipe());
        return;
      }
      socket.write(chunk, (error) => callback(error ? brokenPipe(error) : undefined));
    },
    final(callback) {
      if (socket.writableEnded || socket.destroyed) {
        callback();
        return;
      }
      socket.end(() => callback());
    },
  });
  // As for a child process's stdin: a failed write is reported to its callback
  // and to pipeline(), and must not crash a runner that has no 'error' listener.
  stdin.on('error', () => undefined);
  return stdin;
}

function brokenPipe(cause?: Error): Error {
  return Object.assign(new Error('write EPIPE: the connector has closed its stdin', { cause }), {
    code: 'EPIPE',
  });
}
