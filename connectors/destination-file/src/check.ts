import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type CheckResult } from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';

/** Checks that the directory exists (or can be created) and accepts a file. */
export async function checkDirectory(config: Config): Promise<CheckResult> {
  const probe = join(config.directory, `.backflow-check-${process.pid}.tmp`);
  try {
    await mkdir(config.directory, { recursive: true });
    await writeFile(probe, '');
  } catch (error) {
    throw new ConfigError(
      `directory ${config.directory} is not writable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  } finally {
    await rm(probe, { force: true });
  }
  return { ok: true, message: `directory ${config.directory} is writable` };
}
