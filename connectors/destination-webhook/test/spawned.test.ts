import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AirbyteMessage } from '@backflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/fakes/webhook/index.js';
import { catalog, state, stream, users } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '..', '..');

let dir: string;
let receiver: WebhookReceiver;
beforeAll(async () => {
  execFileSync('npx', ['tsc', '-b', 'connectors/destination-webhook'], { cwd: repoRoot, stdio: 'inherit' });
  dir = await mkdtemp(join(tmpdir(), 'destination-webhook-bin-'));
  receiver = await startWebhookReceiver({ secret: 'bin-secret-value' });
});
afterAll(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('bin/main.js write', () => {
  it('delivers signed batches and answers the STATE once they are accepted', async () => {
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ url: receiver.url, signing_secret: 'bin-secret-value', batch_size: 40 }),
    );
    await writeFile(join(dir, 'catalog.json'), JSON.stringify(catalog(stream('users', 'upsert'))));
    const child = spawn(
      process.execPath,
      ['bin/main.js', 'write', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')],
      {
        cwd: packageDir,
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stdin.end([...users(100), state('users', 1)].map((m) => JSON.stringify(m) + '\n').join(''));

    const message = JSON.parse((await lines.next()).value as string) as AirbyteMessage;
    expect(message.state?.destinationStats).toMatchObject({ recordCount: 100, rejectedRecordCount: 0 });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(receiver.calls.byStatus()).toEqual({ 200: 3 });
    expect(receiver.accepted()).toHaveLength(100);
  });
});
