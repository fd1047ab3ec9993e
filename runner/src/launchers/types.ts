import type { Readable, Writable } from 'node:stream';
import type { Executor } from '../generated/connection.js';

/** One run of a connector command. */
export interface ConnectorInvocation {
  /** Display name used in errors and logs, e.g. "source-postgres". */
  name: string;
  /** Airbyte command: spec | check | discover | read | write. */
  command: string;
  /**
   * JSON documents passed as `--<key> <path>`, e.g. `{ config: {...}, catalog: {...} }`.
   * Keys are lower-case words (`[a-z][a-z0-9-]*`); values are serialised with JSON.stringify.
   */
  files?: Record<string, unknown>;
  /** Environment of the connector; nothing else from the runner's environment leaks in. */
  env?: Record<string, string>;
}

/** How a connector ended. */
export interface ConnectorExit {
  /** Exit code, or null when the connector was killed by a signal. */
  code: number | null;
  /** Signal name such as "SIGTERM" when killed by a signal, else null. */
  signal: string | null;
  /** Set when the runner ended the connector with `stop()`: the reason it gave. */
  stopReason?: string;
}

/** A started connector. Dispose it (`await using`) to release everything it holds. */
export interface ConnectorProcess extends AsyncDisposable {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves when the connector exits (its output may still be draining from stdout/stderr). */
  readonly exit: Promise<ConnectorExit>;
  /** SIGTERM, then SIGKILL after the grace period; resolves once it has exited. */
  stop(reason?: string): Promise<void>;
}

/** Starts connectors; processes and containers look the same to the caller. */
export interface Launcher {
  readonly kind: Executor;
  start(invocation: ConnectorInvocation): Promise<ConnectorProcess>;
}
