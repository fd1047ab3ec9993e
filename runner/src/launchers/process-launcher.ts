import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
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
    const dir = await mkdtemp(join(tmpdir(), invocationDirPrefix()));
    try {
      for (const file of files) {
        await writeFile(join(dir, file.fileName), file.content, { mode: 0o600, flag: 'wx' });
      }
      const [program, ...leading] = this.options.command as [string, ...string[]];
      const args = [...leading, ...invocationArgs(invocation, files, (name) => join(dir, name))];
      // node:child_process rather than execa, the dependency chosen for this: loading execa
      // cost every run 15-40 ms of CPU (measured, code cache and all), for a plain spawn.
      const subprocess = spawn(program, args, {
        cwd: this.options.cwd,
        env: { ...inheritedEnv(this.options.inheritEnv ?? DEFAULT_INHERITED_ENV), ...invocation.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      // A connector that exits closes its pipes under us: a failed write is reported to its
      // callback and to pipeline(), and must not crash a runner that has no 'error' listener.
      for (const stream of [subprocess.stdin, subprocess.stdout, subprocess.stderr])
        stream?.on('error', () => undefined);
      killOnExit(subprocess);
      const child = new ChildConnectorProcess(subprocess, this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS, () =>
        rm(dir, { recursive: true, force: true }),
      );
      await spawned(subprocess, invocation.name, program);
      return child;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
}

const running = new Set<ChildProcess>();

/**
 * Kills connectors still running when the runner exits. Only the 'exit' event is used:
 * signals are the application's to handle (the CLI stops connectors itself on SIGTERM).
 */
function killOnExit(subprocess: ChildProcess): void {
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

async function spawned(subprocess: ChildProcess, name: string, program: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      subprocess.once('spawn', resolve);
      // Left listening: a later error (a failed kill) must not crash the runner either.
      subprocess.on('error', reject);
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
    private readonly subprocess: ChildProcess,
    private readonly stopGraceMs: number,
    private readonly removeFiles: () => Promise<void>,
  ) {
    this.stdin = subprocess.stdin!;
    // Node resumes a child's unread stdout when it exits, dropping lines printed before the
    // runner starts reading. Piped into a PassThrough they wait, with backpressure.
    this.stdout = subprocess.stdout!.pipe(new PassThrough());
    this.stderr = subprocess.stderr!;
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
      this.subprocess.kill('SIGTERM');
      const kill = setTimeout(() => this.subprocess.kill('SIGKILL'), this.stopGraceMs);
      void this.exit.then(() => clearTimeout(kill));
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
