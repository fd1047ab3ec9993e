import { LauncherError } from './errors.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH']);

/** The HTTP status of a Docker Engine API error, if it is one. */
export function dockerStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Turns a dockerode failure into a LauncherError that says what to do about it. */
export function dockerError(error: unknown, what: string): LauncherError {
  if (error instanceof LauncherError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return new LauncherError(
      'DOCKER_UNAVAILABLE',
      `${what}: cannot reach the Docker engine (${message}). Start dockerd, or run connectors ` +
        `as local processes (executor "process").`,
      { cause: error },
    );
  }
  return new LauncherError('DOCKER_FAILED', `${what}: ${message.trim()}`, { cause: error });
}

/** The error for an image that is not present locally; Backflow never pulls. */
export function imageNotFound(image: string, cause: unknown): LauncherError {
  const backflow = /^backflow\/([^:/]+):/.exec(image);
  const hint = backflow
    ? `Build it with: node scripts/build-images.mjs ${backflow[1]}`
    : `Build it, or pull it yourself with: docker pull ${image}`;
  return new LauncherError(
    'IMAGE_NOT_FOUND',
    `Docker image "${image}" is not present locally (Backflow never pulls images). ${hint}`,
    { cause },
  );
}
