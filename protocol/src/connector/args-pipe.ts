import { closeSync, constants, openSync, readSync } from 'node:fs';
import { Socket } from 'node:net';

/**
 * Environment variable naming a pipe that gives a connector its command line, as one line of
 * JSON (an array of strings), instead of its arguments. A runner can then start the connector
 * before the run is ready (a container's start-up overlapping the runner's own) and tell it
 * what to do once it is.
 */
export const ARGS_ENV = 'BACKFLOW_ARGS';

/**
 * Environment variable set beside {@link ARGS_ENV} on a container kept warm for a later run
 * (`runner sync --keep-warm`): how many milliseconds the connector waits for a run to give it a
 * command line, with no runner holding the pipe's other end meanwhile.
 */
export const ARGS_WAIT_ENV = 'BACKFLOW_ARGS_WAIT_MS';

/**
 * Waits for the command line on the pipe at `path`; undefined when the pipe ends first (the
 * runner is gone), or when `waitMs` pass first. The runner keeps its end open until the
 * connector exits, so the pipe is polled as a socket, and closed at once after the line: a
 * blocking read would hold a thread of the pool until then. A reader that opens after the last
 * writer has gone hears nothing of it from poll(), so one read is tried first.
 *
 * With `waitMs` (a container kept warm) no runner holds the pipe until one takes the container:
 * the connector opens it read-write, so that the pipe cannot end meanwhile, and the wait ends it.
 */
export async function argsFromPipe(path: string, waitMs?: number): Promise<string[] | undefined> {
  const access = waitMs === undefined ? constants.O_RDONLY : constants.O_RDWR;
  const fd = openSync(path, access | constants.O_NONBLOCK);
  const first = readAtOnce(fd);
  if (first === undefined) {
    closeSync(fd);
    return undefined;
  }
  const pipe = new Socket({ fd, readable: true, writable: false });
  let waited = false;
  const timer =
    waitMs === undefined
      ? undefined
      : setTimeout(() => {
          waited = true;
          pipe.destroy();
        }, waitMs);
  let text = first;
  try {
    if (!text.includes('\n'))
      for await (const chunk of pipe) {
        text += String(chunk);
        if (text.includes('\n')) break;
      }
    const end = text.indexOf('\n');
    return end < 0 ? undefined : parseArgs(text.slice(0, end));
  } catch (error) {
    if (waited) return undefined;
    throw error;
  } finally {
    clearTimeout(timer);
    pipe.destroy();
  }
}

/** The value of {@link ARGS_WAIT_ENV}: undefined when unset. */
export function argsWaitMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value))
    throw new Error(`${ARGS_WAIT_ENV}: expected a whole number of milliseconds, got ${value}`);
  return Number(value);
}

/** What the pipe holds now ('' when nothing yet); undefined when it has ended. */
function readAtOnce(fd: number): string | undefined {
  const buffer = Buffer.alloc(64 * 1024);
  try {
    const read = readSync(fd, buffer);
    return read === 0 ? undefined : buffer.toString('utf8', 0, read);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return '';
    throw error;
  }
}

function parseArgs(line: string): string[] {
  let args: unknown;
  try {
    args = JSON.parse(line);
  } catch {
    args = undefined;
  }
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string'))
    throw new Error(`${ARGS_ENV}: expected a JSON array of strings, got ${line.slice(0, 200)}`);
  return args;
}
