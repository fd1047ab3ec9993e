import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AirbyteMessage } from '@backflow/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogOf, configuredStream, record, state } from './messages.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '..', '..');

let dir: string;
beforeAll(() => {
  execFileSync('npx', ['tsc', '-b', 'connectors/destination-file'], { cwd: repoRoot, stdio: 'inherit' });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'destination-file-bin-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function start(catalog = catalogOf(configuredStream('users', 'mirror'))) {
  const out = join(dir, 'out');
  await mkdir(out);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ directory: out, format: 'jsonl', max_buffered_records: 1000 }),
  );
  await writeFile(join(dir, 'catalog.json'), JSON.stringify(catalog));
  const child = spawn(
    process.execPath,
    ['bin/main.js', 'write', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')],
    { cwd: packageDir, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  // The kill test closes the pipe under our feet on purpose.
  child.stdin.on('error', () => undefined);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const send = (messages: AirbyteMessage[]) =>
    child.stdin.write(messages.map((m) => JSON.stringify(m) + '\n').join(''));
  const next = async () =>
    JSON.parse(((await lines.next()).value as string | undefined) ?? 'null') as AirbyteMessage | null;
  return { child, send, next, file: join(out, 'users.jsonl'), out };
}

describe('bin/main.js write', () => {
  it('writes the records and answers with the STATE once they are on disk', async () => {
    const { child, send, next, file } = await start();
    send([record('users', { id: 1, name: 'Ada' }), record('users', { id: 2, name: 'Grace' }), state('users', 1)]);
    child.stdin.end();
    const message = await next();
    expect(message?.state?.destinationStats?.recordCount).toBe(2);
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe('{"id":1,"name":"Ada"}\n{"id":2,"name":"Grace"}\n');
  });

  it("echoes each stream's STATE with that stream's record count", async () => {
    const { child, send, next } = await start(
      catalogOf(configuredStream('a', 'append'), configuredStream('c', 'upsert')),
    );
    send([
      record('a', { id: 1 }),
      record('a', { id: 2 }),
      record('c', { id: 1 }),
      record('a', { id: 3 }),
      record('c', { id: 2 }),
      state('a', 3),
      state('c', 2),
    ]);
    child.stdin.end();
    const echoes = [await next(), await next()].map((m) => [
      m?.state?.stream?.stream_descriptor.name,
      m?.state?.destinationStats?.recordCount,
    ]);
    expect(echoes).toEqual([
      ['a', 3],
      ['c', 2],
    ]);
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });

  it('killed mid-batch, leaves only what the last STATE covered', async () => {
    const { child, send, next, file, out } = await start();
    send([record('users', { id: 1, name: 'Ada' }), state('users', 1)]);
    expect((await next())?.type).toBe('STATE');
    const staging = new Promise<void>((resolve) => {
      const watcher = watch(out, (_event, name) => {
        if (name?.endsWith('.tmp')) {
          watcher.close();
          resolve();
        }
      });
    });
    send(Array.from({ length: 20_000 }, (_, i) => record('users', { id: i + 2, name: 'after the state' })));
    // Killed while it stages changes past the STATE in a temporary file.
    await staging;
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await readFile(file, 'utf8')).toBe('{"id":1,"name":"Ada"}\n');
    expect((await readdir(out)).filter((name) => !name.startsWith('.'))).toEqual(['users.jsonl']);
  });
});
