import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sync } from '@backflow/runner';
import { fixtureCommand, tempWorkspace } from '../support/workspace.js';

const COUNT_STARTS = fileURLToPath(new URL('../support/count-starts.mjs', import.meta.url));

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const cacheBefore = process.env['BACKFLOW_CACHE_DIR'];
beforeEach(async () => {
  ws = await tempWorkspace();
  process.env['BACKFLOW_CACHE_DIR'] = ws.path('cache');
  await mkdir(ws.path('starts'));
});
afterEach(async () => {
  if (cacheBefore === undefined) delete process.env['BACKFLOW_CACHE_DIR'];
  else process.env['BACKFLOW_CACHE_DIR'] = cacheBefore;
  await ws.cleanup();
});

/** A fixture connector started through count-starts, which notes each command it runs. */
const counted = (fixture: string) => {
  const [node, program] = fixtureCommand(fixture).split(' ');
  return `${node} ${COUNT_STARTS} ${ws.path('starts')} ${program}`;
};

/** The commands started since the last call. */
let seen = 0;
const startsSinceLastCall = async () => {
  const all = (await readFile(join(ws.path('starts'), 'starts.log'), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean);
  const fresh = all.slice(seen).sort();
  seen = all.length;
  return fresh;
};

function connection(count: number) {
  return {
    name: 'cached',
    source: { command: counted('source-counter'), config: { count, checkpoint_every: 10 } },
    destination: { command: counted('destination-jsonl'), config: { path: ws.path('out.jsonl') } },
    streams: [{ name: 'items', sync_mode: 'incremental', cursor_field: 'id' }],
    state: ws.path('state'),
  };
}

describe('connector cache', () => {
  beforeEach(() => (seen = 0));

  it('a second sync with nothing changed starts no spec and no discover process', async () => {
    const file = await ws.connection('c', connection(20));
    expect((await sync(file)).status).toBe('succeeded');
    expect(await startsSinceLastCall()).toEqual(['discover', 'read', 'spec', 'spec', 'write']);

    const again = await sync(file);
    expect(again.status).toBe('succeeded');
    expect(await startsSinceLastCall()).toEqual(['read', 'write']);

    // --refresh-connectors asks them again.
    expect((await sync(file, { refreshConnectors: true })).status).toBe('succeeded');
    expect(await startsSinceLastCall()).toEqual(['discover', 'read', 'spec', 'spec', 'write']);
  });

  it('a changed source config discovers again; the specs stay cached', async () => {
    expect((await sync(await ws.connection('c', connection(20)))).status).toBe('succeeded');
    await startsSinceLastCall();
    expect((await sync(await ws.connection('c', connection(30)))).status).toBe('succeeded');
    expect(await startsSinceLastCall()).toEqual(['discover', 'read', 'write']);
  });
});
