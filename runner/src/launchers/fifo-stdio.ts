import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Names of the pipes in the invocation's folder (`args` only for a container started early). */
export const FIFO_NAMES = { stdin: 'stdin', stdout: 'stdout', args: 'args' } as const;

/**
 * A container's stdin and stdout as two named pipes in a folder it mounts, for images whose
 * connector reads the paths from its environment (the SDK's BACKFLOW_STDIN/BACKFLOW_STDOUT):
 * bytes go straight between the runner and the connector, where attaching relays each one
 * through the engine and its shim.
 *
 * The runner opens its ends without waiting, before the container starts, each beside a spare
 * end of the other kind: a reader on stdin, so a write before the connector opens its end is
 * buffered rather than refused; a writer on stdout, so reading does not end before the connector
 * opens its end. The connector's own opens then find their peer at once. {@link containerExited}
 * lets go of the spares: stdout ends after the last byte the connector wrote and a write to
 * stdin fails with EPIPE, as for a child process — also when the container died before opening
 * either pipe.
 */
export interface FifoStdio {
  readonly stdin: Socket;
  readonly stdout: Socket;
  /** To call once the container has exited. */
  containerExited(): void;
  /** Closes everything (the pipes themselves go with their folder). */
  destroy(): void;
}

const run = promisify(execFile);

/** Makes the two pipes in `dir` (Node cannot: coreutils' mkfifo does) and opens the runner's ends. */
export async function openFifoStdio(dir: string): Promise<FifoStdio> {
  const stdinPath = join(dir, FIFO_NAMES.stdin);
  const stdoutPath = join(dir, FIFO_NAMES.stdout);
  // Open to all: the container may run as another uid. Only the runner can reach the folder.
  await run('mkfifo', ['-m', '666', stdinPath, stdoutPath]);
  return openFifoEnds(dir);
}

/** Opens the runner's ends of the two pipes in `dir`, made by {@link openFifoStdio} or by early-start.cts. */
export function openFifoEnds(dir: string): FifoStdio {
  const stdinPath = join(dir, FIFO_NAMES.stdin);
  const stdoutPath = join(dir, FIFO_NAMES.stdout);
  const { O_RDONLY, O_WRONLY, O_NONBLOCK } = constants;
  const fds: number[] = [];
  try {
    // Opened in this order, none waits (a FIFO's writer must otherwise wait for a reader).
    for (const [path, flags] of [
      [stdinPath, O_RDONLY],
      [stdinPath, O_WRONLY],
      [stdoutPath, O_RDONLY],
      [stdoutPath, O_WRONLY],
    ] as const) {
      fds.push(openSync(path, flags | O_NONBLOCK));
    }
  } catch (error) {
    for (const fd of fds) closeSync(fd);
    throw error;
  }
  const [stdinSpare, stdinFd, stdoutFd, stdoutSpare] = fds as [number, number, number, number];
  const stdin = new Socket({ fd: stdinFd, readable: false, writable: true });
  // As for a child's stdin: a failed write is reported to its callback and to pipeline(), and
  // must not crash a runner that has no 'error' listener.
  stdin.on('error', () => undefined);
  const stdout = new Socket({ fd: stdoutFd, readable: true, writable: false });
  let sparesOpen = true;
  const closeSpares = () => {
    if (!sparesOpen) return;
    sparesOpen = false;
    closeSync(stdinSpare);
    closeSync(stdoutSpare);
  };
  return {
    stdin,
    stdout,
    containerExited: closeSpares,
    destroy() {
      closeSpares();
      stdin.destroy();
      stdout.destroy();
    },
  };
}
