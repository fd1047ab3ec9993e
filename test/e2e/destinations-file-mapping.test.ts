import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sync } from '@backflow/runner';
import { fixtureCommand, tempWorkspace } from '../support/workspace.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

describe('destination-file with a mapping', () => {
  it.each(['jsonl', 'json'] as const)('syncs again once its %s file exists', async (format) => {
    const file = await ws.connection('mapped', {
      source: { command: fixtureCommand('source-counter'), config: { count: 3 } },
      destination: { connector: 'destination-file', config: { directory: ws.path('out'), format } },
      streams: [{ name: 'items', behaviour: 'mirror', mapping: { id: 'id', label: 'name' } }],
      state: ws.path('state'),
    });
    expect((await sync(file)).exitCode).toBe(0);
    const second = await sync(file);
    expect(second.error).toBeUndefined();
    expect(second).toMatchObject({ status: 'succeeded', exitCode: 0, totals: { unchanged: 3 } });
    expect(await readFile(ws.path(`out/items.${format}`), 'utf8')).toContain('"label":"item 3"');
  });
});
