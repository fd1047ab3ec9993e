import { Transform, type Readable } from 'node:stream';
import { LF, exitLinePrefix } from '@backflow/protocol/connector';

/** Room for an exit code and its newline after the prefix; a longer line is not the exit line. */
const CODE_BYTES = 4;

/** A connector's stderr up to its exit line, and the code that line gave. */
export interface ExitLineWatch {
  /** Stderr without the exit line, ending with it (or with stderr, when it never comes). */
  readonly stderr: Readable;
  /** The code of the exit line, or undefined when stderr ended without one. */
  readonly code: Promise<number | undefined>;
}

/**
 * Watches stderr for the exit line the SDK prints last when given a token (EXIT_LINE_ENV): a
 * line that starts with the token's prefix and holds only a code. Other lines pass through as
 * they come; only the start of a line that may still turn out to be the exit line is held.
 */
export function watchExitLine(stderr: Readable, token: string): ExitLineWatch {
  const prefix = Buffer.from(exitLinePrefix(token));
  let settle!: (code: number | undefined) => void;
  const code = new Promise<number | undefined>((resolve) => (settle = resolve));
  let held: Buffer = Buffer.alloc(0);
  let atLineStart = true;
  let found = false;

  const watched = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (found) return callback();
      const bytes = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
      held = Buffer.alloc(0);
      let at = 0;
      while (at < bytes.length) {
        if (!atLineStart) {
          const newline = bytes.indexOf(LF, at);
          const end = newline < 0 ? bytes.length : newline + 1;
          this.push(bytes.subarray(at, end));
          at = end;
          atLineStart = newline >= 0;
          continue;
        }
        const exit = exitCodeAt(bytes, at, prefix);
        if (exit === 'undecided') {
          held = bytes.subarray(at);
          break;
        }
        if (exit === undefined) {
          atLineStart = false;
          continue;
        }
        found = true;
        settle(exit);
        this.push(null);
        break;
      }
      callback();
    },
    flush(callback) {
      if (held.length > 0) this.push(held);
      settle(undefined);
      callback();
    },
  });
  stderr.on('error', (error) => watched.destroy(error));
  watched.on('close', () => settle(undefined));
  stderr.pipe(watched);
  return { stderr: watched, code };
}

/** The code of the exit line starting at `at`, 'undecided' while it may still become one, else undefined. */
function exitCodeAt(bytes: Buffer, at: number, prefix: Buffer): number | 'undecided' | undefined {
  const head = bytes.subarray(at, at + prefix.length);
  if (!head.equals(prefix.subarray(0, head.length))) return undefined;
  const newline = bytes.indexOf(LF, at + head.length);
  if (head.length < prefix.length || newline < 0) {
    return bytes.length - at <= prefix.length + CODE_BYTES ? 'undecided' : undefined;
  }
  const digits = bytes.toString('latin1', at + prefix.length, newline);
  return /^\d{1,3}$/.test(digits) ? Number(digits) : undefined;
}
