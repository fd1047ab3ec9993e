import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AirbyteCatalog, ConnectorSpecification } from '@backflow/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheDirFromEnv, canonicalJson, ConnectorCache, programIdentity } from './connector-cache.js';

const SECRET = 'pw-very-secret-42';
const spec: ConnectorSpecification = { connectionSpecification: { type: 'object' } };
const catalog = (...names: string[]): AirbyteCatalog => ({
  streams: names.map((name) => ({ name, json_schema: {}, supported_sync_modes: ['full_refresh'] })),
});
const all = () => true;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backflow-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fetch that counts its calls. */
function counting<T>(value: T) {
  const fetch = async () => {
    fetch.calls++;
    return value;
  };
  fetch.calls = 0;
  return fetch;
}

describe('ConnectorCache', () => {
  it('keeps a spec per connector version: the same version is not asked twice, a new one is', async () => {
    const cache = new ConnectorCache(join(dir, 'cache'));
    const fetch = counting(spec);
    expect(await cache.spec('v1', fetch)).toEqual(spec);
    expect(await new ConnectorCache(join(dir, 'cache')).spec('v1', fetch)).toEqual(spec);
    expect(fetch.calls).toBe(1);
    await cache.spec('v2', fetch);
    expect(fetch.calls).toBe(2);
    // No identity (an image tag, a program on PATH): never cached.
    await cache.spec(undefined, fetch);
    await cache.spec(undefined, fetch);
    expect(fetch.calls).toBe(4);
  });

  it('keys a catalog by version and canonical config, whatever the key order', async () => {
    const cache = new ConnectorCache(dir);
    const fetch = counting(catalog('items'));
    await cache.catalog('v1', { host: 'a', password: SECRET }, all, fetch);
    await cache.catalog('v1', { password: SECRET, host: 'a' }, all, fetch);
    expect(fetch.calls).toBe(1);
    await cache.catalog('v1', { host: 'b', password: SECRET }, all, fetch);
    await cache.catalog('v2', { host: 'a', password: SECRET }, all, fetch);
    expect(fetch.calls).toBe(3);
  });

  it('serves a kept catalog only when it has every stream wanted', async () => {
    const cache = new ConnectorCache(dir);
    await cache.catalog('v1', {}, all, counting(catalog('items')));
    const fetch = counting(catalog('items', 'orders'));
    const hasOrders = (c: AirbyteCatalog) => c.streams.some((s) => s.name === 'orders');
    expect((await cache.catalog('v1', {}, hasOrders, fetch)).streams).toHaveLength(2);
    expect((await cache.catalog('v1', {}, hasOrders, fetch)).streams).toHaveLength(2);
    expect(fetch.calls).toBe(1);
  });

  it('refresh and forget ask the connector again', async () => {
    const fetch = counting(catalog('items'));
    await new ConnectorCache(dir).catalog('v1', {}, all, fetch);
    await new ConnectorCache(dir, true).catalog('v1', {}, all, fetch);
    expect(fetch.calls).toBe(2);
    const cache = new ConnectorCache(dir);
    await cache.forgetCatalog('v1', {});
    await cache.catalog('v1', {}, all, fetch);
    expect(fetch.calls).toBe(3);
  });

  it('writes files only its user can read, with no config value in a name or a content', async () => {
    const cache = new ConnectorCache(join(dir, 'cache'));
    await cache.spec('v1', counting(spec));
    await cache.catalog('v1', { password: SECRET }, all, counting(catalog('items')));
    const files = await readdir(join(dir, 'cache'));
    expect(files.sort()).toEqual([expect.stringMatching(/^catalog-/), 'hmac.key', expect.stringMatching(/^spec-/)]);
    for (const file of files) {
      const path = join(dir, 'cache', file);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(file).not.toContain(SECRET);
      expect(await readFile(path, 'utf8')).not.toContain(SECRET);
    }
    expect((await stat(join(dir, 'cache'))).mode & 0o077).toBe(0);
  });

  it('a folder it cannot write only loses the shortcut', async () => {
    const cache = new ConnectorCache('/proc/backflow-cache');
    const fetch = counting(catalog('items'));
    await cache.catalog('v1', {}, all, fetch);
    await cache.catalog('v1', {}, all, fetch);
    expect(fetch.calls).toBe(2);
  });
});

describe('programIdentity', () => {
  it('changes when the program file changes; none for a program with no file', async () => {
    const program = join(dir, 'main.js');
    await writeFile(program, '// v1');
    const first = await programIdentity([process.execPath, program]);
    expect(first).toBeDefined();
    await utimes(program, new Date(), new Date(Date.now() + 5000));
    expect(await programIdentity([process.execPath, program])).not.toBe(first);
    expect(await programIdentity(['node', 'some-tool-on-path'])).toBeUndefined();
    expect(await programIdentity([process.execPath, '--version'])).toBeUndefined();
  });
});

describe('cacheDirFromEnv', () => {
  it('prefers BACKFLOW_CACHE_DIR, then XDG_CACHE_HOME', () => {
    expect(cacheDirFromEnv({ BACKFLOW_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheDirFromEnv({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'backflow'));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: 2 } })).toBe('{"a":{"c":2,"d":[{"x":2,"y":1}]},"b":1}');
  });
});
