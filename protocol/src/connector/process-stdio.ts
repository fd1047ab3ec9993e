import { closeSync, constants, createReadStream, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

/**
 * Environment variables through which a runner gives the connector its input and output as
 * named pipes rather than stdin/stdout: a Docker engine relays a container's stdio through
 * itself and a shim process, which costs more CPU than the connector on a large sync.
 */
export const STDIO_ENV = { stdin: 'BACKFLOW_STDIN', stdout: 'BACKFLOW_STDOUT' } as const;

const { O_RDONLY, O_WRONLY, O_NONBLOCK } = constants;

/** The process's input and output: the named pipes of {@link STDIO_ENV} when set, else stdin/stdout. */
export function processStdio(env: NodeJS.ProcessEnv = process.env): { stdin: Readable; stdout: Writable } {
  const stdinPath = env[STDIO_ENV.stdin];
  const stdoutPath = env[STDIO_ENV.stdout];
  return {
    // The runner opened its end before the connector started; one that is gone fails the open.
    stdout: stdoutPath
      ? new Socket({ fd: openSync(stdoutPath, O_WRONLY | O_NONBLOCK), readable: false, writable: true })
      : process.stdout,
    stdin: stdinPath ? openInputPipe(stdinPath) : process.stdin,
  };
}

/**
 * Opens the input pipe, which the runner may already have written and closed (it keeps the pipe
 * alive until the connector exits): opening it to read would then wait for a writer for ever,
 * so a writer of our own is held for the moment of the open; and it is read blocking, in the
 * thread pool, since poll() tells a reader that came after the last writer nothing of the end.
 */
function openInputPipe(path: string): Readable {
  const writer = openSync(path, O_WRONLY | O_NONBLOCK);
  try {
    return createReadStream(path, { fd: openSync(path, O_RDONLY) });
  } finally {
    closeSync(writer);
  }
}
