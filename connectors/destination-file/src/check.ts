import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type CheckResult } from '@backflow/protocol/connector';
import { nearestExisting } from './directories.js';
import type { Config } from './generated/config.js';

/**
 * Checks that the directory accepts a file, or, when it does not exist yet, that its nearest
 * existing parent does (`write` creates the missing levels). Nothing is left behind.
 */
export async function checkDirectory(config: Config): Promise<CheckResult> {
  const where = await nearestExisting(config.directory).catch((error: unknown) => {
    throw notWritable(config.directory, error);
  });
  if (!(await stat(where.existing)).isDirectory()) {
    throw new ConfigError(`directory ${config.directory} is not writable: ${where.existing} is not a directory`);
  }
  const probe = join(where.existing, `.backflow-check-${process.pid}.tmp`);
  try {
    await writeFile(probe, '');
  } catch (error) {
    throw notWritable(config.directory, error);
  } finally {
    await rm(probe, { force: true });
  }
  if (where.missing.length === 0) return { ok: true, message: `directory ${config.directory} is writable` };
  return {
    ok: true,
    message: `directory ${config.directory} does not exist yet; ${where.existing} is writable, so write will create it`,
  };
}

function notWritable(directory: string, error: unknown): ConfigError {
  return new ConfigError(
    `directory ${directory} is not writable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
  );
}
