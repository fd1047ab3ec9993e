import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * The path itself if it exists, else its nearest existing ancestor, and the missing levels
 * below it (outermost first). Node's recursive `mkdir` loops forever under some virtual
 * filesystems (`/proc`), so directories are found and created one level at a time.
 */
export async function nearestExisting(path: string): Promise<{ existing: string; missing: string[] }> {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      await stat(current);
      return { existing: current, missing };
    } catch (error) {
      // ENOTDIR: an ancestor is a file; keep walking up to it, so the caller can name it.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    }
    const parent = dirname(current);
    if (parent === current) return { existing: current, missing };
    missing.unshift(current);
    current = parent;
  }
}

/** Creates `path` and its missing parents, one level at a time (see `nearestExisting`). */
export async function makeDirectories(path: string): Promise<void> {
  const { missing } = await nearestExisting(path);
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
