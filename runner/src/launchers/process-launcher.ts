import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { ResultPromise } from 'execa';
import { LauncherError } from './errors.js';
import { invocationArgs, invocationDirPrefix, invocationFiles } from './invocation-files.js';
import type { ConnectorExit, ConnectorInvocation, ConnectorProcess, Launcher } from './types.js';

/** Options of {@link ProcessLauncher}. */
export interface ProcessLauncherOptions {
  /** Program and leading arguments, e.g. `[process.execPath, '/abs/connectors/x/bin/main.js']`. */
  command: string[];
  /** Working directory of the connector; default: the runner's. */
  cwd?: string;
  /** Time between SIGTERM and SIGKILL when stopping; default 10 000 ms. */
  stopGraceMs?: number;
  /** Variables copied from the runner's environment; default {@link DEFAULT_INHERITED_ENV}. */
  inheritEnv?: readonly string[];
}

/**
 * What a connector process sees of the runner's environment. Everything else (credentials,
 * PG* variables, ...) stays out, so a process behaves like its container would.
 */
export const DEFAULT_INHERITED_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'TMPDIR',
  'TZ',
  'LANG',
  'LC_ALL',
  'NODE_EXTRA_CA_CERTS',
  'SYSTEMROOT',
];

const DEFAULT_STOP_GRACE_MS = 10_000;

/** Runs connectors as local child processes (no shell), for development and embedded use. */
export class ProcessLauncher implements Launcher {
  readonly kind = 'process';

  constructor(private readonly options: ProcessLauncherOptions) {
    if (options.command.length === 0) {
      throw new LauncherError('INVALID_INVOCATION', 'ProcessLauncher needs a command');
    }
  }

  async start(invocation: ConnectorInvocation): Promise<ConnectorProcess> {
    const files = invocationFiles(invocation);
    // mkdtemp creates the directory with mode 0700: configs hold secrets. Its name says whose it
    // is, so that a later run removes it if this runner is killed (removeStaleInvocationDirs).
    // execa costs about 0.15 s of CPU to load: a run whose connectors are all containers never does.
    const [dir, { execa }] = await Promise.all([mkdtemp(join(tmpdir(), invocationDirPrefix())), import('execa')]);
    try {
      for (const file of files) {
        await writeFile(join(dir, file.fileName), file.content, { mode: 0o600, flag: 'wx' });
      }
      const [program, ...leading] = this.options.command as [string, ...string[]];
      const args = [...leading, ...invocationArgs(invocation, files, (name) => join(dir, name))];
      const subprocess = execa(program, args, {
        cwd: this.options.cwd,
        env: { ...inheritedEnv(this.options.inheritEnv ?? DEFAULT_INHERITED_ENV), ...invocation.env },
        extendEnv: false,
        buffer: false,
        reject: false,
        stdin: 'pipe',
        stdout: 'pipe',
        stderr: 'pipe',
        forceKillAfterDelay: this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
        // execa's cleanup hooks SIGINT/SIGTERM through signal-exit, which re-raises the signal
        // when it sees no other listener (a `once` handler has already been removed by then)
        // and so kills a runner that handles signals itself. Children are killed on exit below.
        cleanup: false,
      });
      killOnExit(subprocess);
      const child = new ChildConnectorProcess(subprocess, () => rm(dir, { recursive: true, force: true }));
      await spawned(subprocess, invocation.name, program);
      return child;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
}

const running = new Set<ResultPromise>();

/**
 * Kills connectors still running when the runner exits. Only the 'exit' event is used:
 * signals are the application's to handle (the CLI stops connectors itself on SIGTERM).
 */
function killOnExit(subprocess: ResultPromise): void {
  if (running.size === 0) process.on('exit', killRunning);
  running.add(subprocess);
  subprocess.once('exit', () => {
    running.delete(subprocess);
    if (running.size === 0) process.off('exit', killRunning);
  });
}

function killRunning(): void {
  for (const subprocess of running) subprocess.kill('SIGTERM');
}

function inheritedEnv(names: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function spawned(subprocess: ResultPromise, name: string, program: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      subprocess.once('spawn', resolve);
      subprocess.once('error', reject);
      // execa reports some spawn failures only through its result.
      subprocess.then((result) => reject(result.cause ?? new Error(result.message)), reject);
    });
  } catch (error) {
    throw new LauncherError('SPAWN_FAILED', `${name}: could not start "${program}": ${(error as Error).message}`, {
      cause: error,
    });
  }
}

class ChildConnectorProcess implements ConnectorProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly exit: Promise<ConnectorExit>;
  private exited = false;
  private stopReason: string | undefined;
  private cleaned: Promise<void> | undefined;

  constructor(
    private readonly subprocess: ResultPromise,
    private readonly removeFiles: () => Promise<void>,
  ) {
    this.stdin = subprocess.stdin as Writable;
    // execa (buffer: false) leaves the child's stdout flowing: lines printed before the runner
    // starts reading would be dropped. Piped into a PassThrough they wait, with backpressure.
    this.stdout = (subprocess.stdout as Readable).pipe(new PassThrough());
    this.stderr = subprocess.stderr as Readable;
    this.exit = new Promise((resolve) => {
      subprocess.once('exit', (code, signal) => {
        this.exited = true;
        void this.cleanup().then(() =>
          resolve({
            code,
            signal,
            ...(this.stopReason === undefined ? {} : { stopReason: this.stopReason }),
          }),
        );
      });
    });
  }

  async stop(reason = 'stopped'): Promise<void> {
    if (!this.exited) {
      this.stopReason ??= reason;
      // execa escalates to SIGKILL after `forceKillAfterDelay`.
      this.subprocess.kill('SIGTERM');
    }
    await this.exit;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop('disposed');
    this.stdin.destroy();
    this.stdout.destroy();
    this.subprocess.stdout?.destroy();
    this.stderr.destroy();
    await this.cleanup();
  }

  private cleanup(): Promise<void> {
    this.cleaned ??= this.removeFiles();
    return this.cleaned;
  }
}
