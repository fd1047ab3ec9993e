import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AirbyteMessage } from '@backflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../../../test/fakes/hubspot/index.js';
import { catalogOf, configured } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let fake: HubSpotFake;
beforeAll(async () => {
  execFileSync('npx', ['tsc', '-b', 'connectors/source-hubspot'], { cwd: join(packageDir, '..', '..') });
  dir = await mkdtemp(join(tmpdir(), 'source-hubspot-bin-'));
  fake = await startHubSpotFake();
});
afterAll(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('bin/main.js read', () => {
  it('reads through the real process, never printing the token', async () => {
    fake.store.seed('companies', [{ properties: { name: 'Acme', domain: 'acme.example' } }]);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ access_token: fake.token, base_url: fake.url }));
    await writeFile(join(dir, 'catalog.json'), JSON.stringify(catalogOf(configured('companies', 'incremental'))));
    const child = spawn(
      process.execPath,
      ['bin/main.js', 'read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')],
      { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    const messages = out
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AirbyteMessage);
    expect(messages.filter((m) => m.type === 'RECORD').map((m) => m.record!.data['name'])).toEqual(['Acme']);
    expect(messages.filter((m) => m.type === 'STATE')).toHaveLength(1);
    expect(out).not.toContain(fake.token);
  });
});
