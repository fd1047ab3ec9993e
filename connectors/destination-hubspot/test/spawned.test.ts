import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AirbyteMessage } from '@backflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../../../test/fakes/hubspot/index.js';
import { catalog, contacts, record, state, stream } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '..', '..');

let dir: string;
let fake: HubSpotFake;
beforeAll(async () => {
  execFileSync('npx', ['tsc', '-b', 'connectors/destination-hubspot'], { cwd: repoRoot, stdio: 'inherit' });
  dir = await mkdtemp(join(tmpdir(), 'destination-hubspot-bin-'));
  fake = await startHubSpotFake();
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

describe('bin/main.js write', () => {
  it('upserts and archives through the real process, answering each STATE once HubSpot has the records', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ access_token: fake.token, base_url: fake.url }));
    await writeFile(
      join(dir, 'catalog.json'),
      JSON.stringify(catalog(stream('people', 'mirror', { object: 'contacts', key: 'email' }))),
    );
    const child = spawn(
      process.execPath,
      ['bin/main.js', 'write', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')],
      {
        cwd: packageDir,
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await lines.next()).value as string) as AirbyteMessage;
    const send = (messages: AirbyteMessage[]) =>
      child.stdin.write(messages.map((m) => JSON.stringify(m) + '\n').join(''));

    send([...contacts('people', 150), state('people', 1)]);
    const first = await next();
    expect(first.state?.destinationStats?.recordCount).toBe(150);
    expect(fake.store.list('contacts')).toHaveLength(150);

    send([
      record('people', { email: 'contact0@example.com' }, 'delete'),
      record('people', { email: 'contact1@example.com', lastname: 'Lovelace' }),
      state('people', 2),
    ]);
    child.stdin.end();
    const second = await next();
    expect(second.state?.destinationStats).toMatchObject({ recordCount: 2, rejectedRecordCount: 0 });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(fake.store.list('contacts')).toHaveLength(149);
    expect(
      fake.store.list('contacts').find((c) => c.properties.email === 'contact1@example.com')?.properties.lastname,
    ).toBe('Lovelace');
  });
});
