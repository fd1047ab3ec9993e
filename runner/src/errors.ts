import { ProtocolError } from '@backflow/protocol';

/**
 * The runner's exit codes, stable for schedulers and orchestrators (documented in README).
 */
export const EXIT_CODES = {
  /** Every record was delivered (or there was nothing to do). */
  success: 0,
  /** The sync failed: a connector crashed, hung, exited non-zero or broke the protocol. */
  failed: 1,
  /** Bad usage or configuration (connection file, connector config): nothing was started. */
  invalid: 2,
  /** The sync completed but the destination rejected some records (see the run's rejections). */
  rejected: 3,
  /** The sync completed but some rows were invalid (schema, duplicate or missing key) and never sent. */
  invalidRows: 4,
  /** A connector refused its credentials (see `isCredentialProblem` for the rule). */
  credentials: 5,
  /** Another run of the connection holds its lock: nothing was started. */
  locked: 6,
  /** Stopped by SIGINT/SIGTERM; state is at the last commit. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Base of the runner's own errors: each knows the exit code it maps to. */
export abstract class RunnerError extends Error {
  abstract readonly exitCode: ExitCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The connection file or a connector config is invalid; names the file and the field. */
export class ConfigurationError extends RunnerError {
  readonly exitCode = EXIT_CODES.invalid;
}

/**
 * Whether a connector's failure is a refused credential: a `config_error` (a TRACE's failure
 * type, or a FAILED connection check) whose message speaks of authentication, a password, a
 * token, a key, or an HTTP 401/403. The protocol has no failure type of its own for it, so the
 * message decides; anything else is an ordinary failure.
 */
export function isCredentialProblem(message: string): boolean {
  return /\b(auth\w*|unauthori[sz]ed|forbidden|credentials?|password|passphrase|token|api[ _-]?key|key|secret|401|403|invalid_grant|permission denied|access denied)\b/i.test(
    message,
  );
}

/** A connector failed: crashed, exited non-zero, hung, reported an error or broke the protocol. */
export class ConnectorFailure extends RunnerError {
  /** 5 when the connector refused its credentials (a `config_error` about them), else 1. */
  get exitCode(): ExitCode {
    return this.failureType === 'config_error' && isCredentialProblem(this.problem)
      ? EXIT_CODES.credentials
      : EXIT_CODES.failed;
  }

  constructor(
    readonly connector: string,
    readonly problem: string,
    options?: { cause?: unknown; line?: number; failureType?: string },
  ) {
    super(`${connector}${options?.line === undefined ? '' : ` (stdout line ${options.line})`}: ${problem}`, options);
    this.line = options?.line;
    this.failureType = options?.failureType;
  }

  readonly line: number | undefined;
  readonly failureType: string | undefined;
}

/** The run was stopped by a signal. */
export class InterruptedError extends RunnerError {
  readonly exitCode = EXIT_CODES.interrupted;
}

/** Another run of the same connection holds its lock (one run of a connection at a time). */
export class AlreadyRunningError extends RunnerError {
  readonly exitCode = EXIT_CODES.locked;

  constructor(
    readonly connection: string,
    readonly holder: { run?: number; pid: number; host: string; since: string },
  ) {
    const run = holder.run === undefined ? '' : `run ${holder.run}, `;
    super(
      `connection "${connection}" is already running (${run}pid ${holder.pid}, host ${holder.host}, since ${holder.since})`,
    );
  }
}

/** Any error as the runner reports it: a protocol violation or crash is the connector's failure. */
export function asRunnerError(error: unknown, connector: string): RunnerError {
  if (error instanceof RunnerError) return error;
  if (error instanceof ProtocolError)
    return new ConnectorFailure(connector, error.message, { line: error.line, cause: error });
  return new ConnectorFailure(connector, (error as Error)?.message ?? String(error), { cause: error });
}
