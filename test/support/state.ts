import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SqliteStore } from '@backflow/runner';

/** The committed states of a connection in an embedded state directory, by stream key. */
export async function committedStates(stateDir: string, connection: string): Promise<Record<string, unknown>> {
  const store = new SqliteStore(stateDir);
  const session = await store.openPlan(connection);
  try {
    const states = await session.states();
    return Object.fromEntries(
      states.map((state) => [
        state.type === 'STREAM' ? `stream:${state.stream!.stream_descriptor.name}` : state.type,
        state,
      ]),
    );
  } finally {
    await session.close();
    await store.close();
  }
}

/** Everything a connection's store file holds, as text, to search for what must not be there. */
export async function storeFileText(stateDir: string, connection: string): Promise<string> {
  const file = join(stateDir, 'connections', `${encodeURIComponent(connection)}.sqlite`);
  const parts = await Promise.all(['', '-wal'].map((suffix) => readFile(file + suffix, 'latin1').catch(() => '')));
  return parts.join('');
}
