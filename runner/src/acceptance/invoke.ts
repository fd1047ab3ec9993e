import { validateMessage, type AirbyteMessage } from '@backflow/protocol';
import type { Launcher } from '../launchers/index.js';

/** One line the connector printed on stdout: a protocol message, or why it is not one. */
export interface OutputLine {
  readonly line: number;
  readonly text: string;
  readonly message?: AirbyteMessage;
  readonly problem?: string;
}

/** Everything one connector command did, kept raw so each check can judge it. */
export interface Transcript {
  readonly command: string;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly lines: readonly OutputLine[];
  /** The valid protocol messages, in order. */
  readonly messages: readonly AirbyteMessage[];
  readonly stderr: string;
}

export interface InvokeRequest {
  readonly command: 'spec' | 'check' | 'discover' | 'read' | 'write';
  /** Passed as `--config`, `--catalog`, `--state` files. */
  readonly files?: Record<string, unknown>;
  /** Written to stdin (for `write`), then stdin is closed. */
  readonly input?: readonly AirbyteMessage[];
}

/**
 * Runs one connector command and records it as it is, without failing on what it prints:
 * the acceptance checks, not the transport, decide what is wrong. Unlike a sync session,
 * nothing is interpreted on the way.
 */
export async function invoke(
  launcher: Launcher,
  name: string,
  request: InvokeRequest,
  timeoutMs: number,
): Promise<Transcript> {
  await using child = await launcher.start({
    name,
    command: request.command,
    ...(request.files ? { files: request.files } : {}),
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop(`no exit within ${timeoutMs} ms`);
  }, timeoutMs);
  try {
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    child.stdin.on('error', () => undefined); // a connector may exit without reading its input
    for (const message of request.input ?? []) {
      if (!child.stdin.write(JSON.stringify(message) + '\n')) {
        await new Promise((resolve) => child.stdin.once('drain', resolve));
      }
    }
    child.stdin.end();
    const [exit, out, err] = await Promise.all([child.exit, stdout, stderr]);
    const lines = parseLines(out);
    return {
      command: request.command,
      exitCode: exit.code,
      timedOut,
      lines,
      messages: lines.flatMap((line) => (line.message ? [line.message] : [])),
      stderr: err,
    };
  } finally {
    clearTimeout(timer);
  }
}

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

function parseLines(text: string): OutputLine[] {
  const out: OutputLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.replace(/\r$/, '');
    if (trimmed.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      out.push({ line, text: trimmed, problem: 'not JSON' });
      return;
    }
    try {
      out.push({ line, text: trimmed, message: validateMessage(value, { line }) });
    } catch (error) {
      out.push({ line, text: trimmed, problem: (error as Error).message });
    }
  });
  return out;
}
