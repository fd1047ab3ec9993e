/** Why a connector could not be started. */
export type LauncherErrorCode =
  | 'UNKNOWN_CONNECTOR'
  | 'INVALID_INVOCATION'
  | 'SPAWN_FAILED'
  | 'IMAGE_NOT_FOUND'
  | 'DOCKER_UNAVAILABLE'
  | 'DOCKER_FAILED';

/** A connector could not be resolved, started or supervised; `code` says which. */
export class LauncherError extends Error {
  override readonly name = 'LauncherError';

  constructor(
    readonly code: LauncherErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
