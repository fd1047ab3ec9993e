import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { loadConnection } from '../connection/load-connection.js';
import { ConfigurationError } from '../errors.js';
import type { Served } from './context.js';
import { parseSchedule } from './schedule.js';

const CONNECTION_FILE = new Set(['.yaml', '.yml']);

/** Loads the connection files given, and the `.yaml`/`.yml` files of the directories given. */
export async function loadServed(paths: readonly string[]): Promise<Map<string, Served>> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new ConfigurationError(`${path}: no such connection file or directory`);
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const found = (await readdir(path)).filter((name) => CONNECTION_FILE.has(extname(name))).sort();
    if (found.length === 0)
      throw new ConfigurationError(`${path}: no connection files (*.yaml, *.yml) in this directory`);
    files.push(...found.map((name) => join(path, name)));
  }
  const served = new Map<string, Served>();
  for (const file of files) {
    const connection = await loadConnection(file);
    const other = served.get(connection.name);
    if (other)
      throw new ConfigurationError(
        `${file}: connection name "${connection.name}" is also used by ${other.connection.file}; names identify state and history`,
      );
    served.set(connection.name, {
      connection,
      ...(connection.schedule ? { schedule: parseSchedule(connection.schedule, connection.file) } : {}),
    });
  }
  return served;
}
