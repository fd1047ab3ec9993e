import { execa, type ResultPromise } from 'execa';
import { RUNNER_BIN } from './workspace.js';

/** A `runner serve` child process, with the address it announced. */
export interface ServeProcess {
  readonly url: string;
  readonly process: ResultPromise<{
    reject: false;
    cwd: string;
    env: Record<string, string>;
    forceKillAfterDelay: false;
  }>;
  /** Everything it wrote to stderr so far (its log). */
  log(): string;
}

/** Starts `runner serve --port 0 <args>` and resolves once it says where it listens. */
export async function startServeProcess(args: string[], cwd: string, token: string): Promise<ServeProcess> {
  const child = execa(process.execPath, [RUNNER_BIN, 'serve', '--port', '0', ...args], {
    reject: false,
    cwd,
    env: { BACKFLOW_SERVE_TOKEN: token },
    // The test sends SIGTERM and waits for the graceful stop; no SIGKILL behind its back.
    forceKillAfterDelay: false,
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /serving \d+ connection\(s\) on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    void child.then((result) => reject(new Error(`runner serve exited ${result.exitCode}: ${stderr}`)));
  });
  return { url, process: child, log: () => stderr };
}

/** Follows a run's server-sent events until `until` holds for the run; resolves with that run. */
export async function watchRun<Run>(url: string, until: (run: Run) => boolean): Promise<Run> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`${url}: HTTP ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let last: Run | undefined;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(event)?.[1];
      if (!/^event: run$/m.test(event) || data === undefined) continue;
      last = JSON.parse(data) as Run;
      // Leaving the loop cancels the stream, which closes the connection.
      if (until(last)) return last;
    }
  }
  throw new Error(`the run's events ended without the awaited state; last: ${JSON.stringify(last)}`);
}
