import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedSpec, specCacheKey } from './spec-cache.js';

const spec = { connectionSpecification: { type: 'object' } };

describe('spec cache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spec-cache-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('fetches a spec once per key and serves it from the cache afterwards', async () => {
    const fetch = vi.fn(async () => spec);
    expect(await cachedSpec(join(dir, 'specs'), 'a', fetch)).toEqual(spec);
    expect(await cachedSpec(join(dir, 'specs'), 'a', fetch)).toEqual(spec);
    expect(fetch).toHaveBeenCalledTimes(1);
    await cachedSpec(join(dir, 'specs'), 'b', fetch);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect((await readdir(join(dir, 'specs'))).sort()).toEqual(['a.json', 'b.json']);
  });

  it('fetches again over a torn entry, and every time without a key or a directory', async () => {
    const fetch = vi.fn(async () => spec);
    await writeFile(join(dir, 'a.json'), '{"connectionSpec');
    await cachedSpec(dir, 'a', fetch);
    await cachedSpec(dir, undefined, fetch);
    await cachedSpec(undefined, 'a', fetch);
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('keys a packaged connector by name, version and spec.json, and gives images and commands no key', async () => {
    const pkg = join(dir, 'source-x');
    await mkdir(pkg);
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: '@backflow/source-x', version: '1.0.0' }));
    await writeFile(join(pkg, 'spec.json'), '{"a":1}');
    const first = await specCacheKey({ connector: 'source-x' }, dir);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    await writeFile(join(pkg, 'spec.json'), '{"a":2}');
    expect(await specCacheKey({ connector: 'source-x' }, dir)).not.toBe(first);
    expect(await specCacheKey({ connector: 'source-y' }, dir)).toBeUndefined();
    expect(await specCacheKey({ image: 'x/y:1' }, dir)).toBeUndefined();
    expect(await specCacheKey({ command: 'node main.js' }, dir)).toBeUndefined();
  });
});
