import type { AirbyteErrorTraceMessage } from '../types.js';

type FailureType = NonNullable<AirbyteErrorTraceMessage['failure_type']>;

/**
 * Base of the typed errors a connector throws. The SDK turns each into a TRACE ERROR message
 * with its `failure_type`, so the runner (or an Airbyte platform) knows whom to blame: the
 * user's configuration, a passing outage, or the connector itself.
 */
export abstract class ConnectorError extends Error {
  abstract readonly failureType: FailureType;
  /** Extra detail for operators (the TRACE's `internal_message`); `message` is for users. */
  readonly internalMessage: string | undefined;

  constructor(message: string, options?: { cause?: unknown; internalMessage?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.internalMessage = options?.internalMessage;
  }
}

/** The configuration is wrong (bad field, bad credentials, missing object): retrying will not help. */
export class ConfigError extends ConnectorError {
  readonly failureType = 'config_error';
}

/** A passing failure (network, 5xx, rate limit): the same run may succeed later. */
export class TransientError extends ConnectorError {
  readonly failureType = 'transient_error';
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options?: { cause?: unknown; internalMessage?: string; retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A bug or an unexpected state in the connector. */
export class InternalError extends ConnectorError {
  readonly failureType = 'system_error';
}

/**
 * Thrown by a destination's `write` when the target refused the batch because of its data
 * but could not say which record was at fault (e.g. a webhook answering 400). The SDK then
 * splits the batch to isolate the bad records and rejects only those.
 */
export class BatchRejectedError extends ConnectorError {
  readonly failureType = 'config_error';
  readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.retryable = options?.retryable ?? false;
  }
}

/** Any thrown value as a ConnectorError; unknown errors count as connector bugs. */
export function asConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (error instanceof Error) {
    const wrapped = new InternalError(error.message, { cause: error });
    if (error.stack) wrapped.stack = error.stack;
    return wrapped;
  }
  return new InternalError(String(error));
}
