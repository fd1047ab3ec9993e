import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AirbyteStateMessage } from '@backflow/protocol';
import { persistKey } from '../sync/state-ledger.js';
import { storable, type StateStore } from './state-store.js';

/**
 * The embedded default: one JSON file per connection under a directory of the project
 * (`.backflow/state/<connection>.json`). Writes go to a temporary file that is fsynced and
 * renamed over the old one, so a crash never leaves a torn file.
 */
export class FileStateStore implements StateStore {
  constructor(private readonly directory: string) {}

  get location(): string {
    return this.directory;
  }

  async load(connection: string): Promise<AirbyteStateMessage[]> {
    let text: string;
    try {
      text = await readFile(this.fileOf(connection), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const saved = JSON.parse(text) as { states: Record<string, AirbyteStateMessage> };
    return Object.values(saved.states);
  }

  async commit(connection: string, states: readonly AirbyteStateMessage[]): Promise<void> {
    if (states.length === 0) return;
    const merged: Record<string, AirbyteStateMessage> = {};
    for (const state of await this.load(connection)) merged[persistKey(state)] = state;
    for (const state of states) merged[persistKey(state)] = storable(state);
    await writeAtomically(this.fileOf(connection), JSON.stringify({ states: merged }, null, 2) + '\n');
  }

  async reset(connection: string): Promise<void> {
    await rm(this.fileOf(connection), { force: true });
  }

  async close(): Promise<void> {}

  private fileOf(connection: string): string {
    return join(this.directory, 'state', `${connection}.json`);
  }
}

export async function writeAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
