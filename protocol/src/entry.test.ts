import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// The compiled modules (`tsc -b` first): Vite cannot transform `import … = require()`, the
// CommonJS syntax entry.cts and entry-script.cts are written in.
import entryModule from '../dist/entry.cjs';
import entryScript from '../dist/entry-script.cjs';

const { importBundle } = entryModule;
const { bundleSha1, codeCacheFile, scriptBundle } = entryScript;

let dir: string;
let entry: string;
beforeEach(async () => {
  // A package as scripts/bundle.mjs leaves it: bin/, dist/bundle.js and its manifest, its build state.
  dir = await mkdtemp(join(tmpdir(), 'backflow-entry-'));
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'dist'));
  await writeFile(join(dir, 'dist', 'bundle.js'), 'export const answer = 42;\n');
  await writeFile(join(dir, 'tsconfig.tsbuildinfo'), '{}');
  entry = join(dir, 'bin', 'main.js');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the manifest and dates it and the build state (seconds since the epoch). */
async function built(at: { manifest: number; buildInfo?: number }, builtFrom = ['../tsconfig.tsbuildinfo']) {
  const manifest = join(dir, 'dist', 'bundle.json');
  await writeFile(manifest, JSON.stringify({ file: 'bundle.js', builtFrom }));
  await utimes(manifest, at.manifest, at.manifest);
  if (at.buildInfo !== undefined) await utimes(join(dir, 'tsconfig.tsbuildinfo'), at.buildInfo, at.buildInfo);
}

describe('importBundle', () => {
  it('imports the bundle when it is newer than every build it was made from', async () => {
    await built({ manifest: 2_000, buildInfo: 1_000 });
    expect(await importBundle<{ answer: number }>(entry)).toMatchObject({ answer: 42 });
  });

  it('takes the file URL of an ES module entry too (connectors made from older templates)', async () => {
    await built({ manifest: 2_000, buildInfo: 1_000 });
    expect(await importBundle<{ answer: number }>(pathToFileURL(entry).href)).toMatchObject({ answer: 42 });
  });

  it('gives undefined when a build is newer (a tsc -b since), so the compiled modules run', async () => {
    await built({ manifest: 1_000, buildInfo: 2_000 });
    expect(await importBundle(entry)).toBeUndefined();
  });

  it('gives undefined when the package has no bundle', async () => {
    expect(await importBundle(entry)).toBeUndefined();
  });

  it('imports the bundle of a copy without build state (an image, a packed package)', async () => {
    await built({ manifest: 1_000 }, ['../tsconfig.tsbuildinfo', '../../../elsewhere/tsconfig.tsbuildinfo']);
    await rm(join(dir, 'tsconfig.tsbuildinfo'));
    expect(await importBundle<{ answer: number }>(entry)).toMatchObject({ answer: 42 });
  });
});

describe('a CommonJS bundle with its code cache', () => {
  // An entry and a chunk as scripts/bundle.mjs writes them (`require("./chunk-….cjs")`).
  const ENTRY =
    "exports.answer = require('./chunk-a.cjs').answer;\nexports.where = __filename;\nexports.os = () => require('node:os');\n";
  const CHUNK = 'exports.answer = 42;\n';

  /** Writes the bundle's files, their code caches as scripts/code-cache.mjs makes them, and the manifest naming them. */
  async function builtScripts() {
    const files = { 'bundle.cjs': ENTRY, 'chunk-a.cjs': CHUNK };
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, 'dist', name), text);
    const made = scriptBundle();
    made.load(join(dir, 'dist', 'bundle.cjs'));
    const codeCache: Record<string, string> = {};
    for (const [file, script] of made.scripts) {
      await writeFile(codeCacheFile(file), script.createCachedData());
      codeCache[basename(file)] = bundleSha1(await readFile(file));
    }
    await writeFile(join(dir, 'dist', 'bundle.json'), JSON.stringify({ file: 'bundle.cjs', codeCache, builtFrom: [] }));
    return codeCache;
  }

  /** The code caches as importBundle reads them, by the SHA-1s given. */
  function cachesOf(sha1s: Record<string, string>) {
    return (file: string) => ({ data: readFileSync(codeCacheFile(file)), sha1: sha1s[basename(file)]! });
  }

  it('imports its exports, each file run once as a CommonJS module of its own path', async () => {
    await builtScripts();
    const modules = await importBundle<{ answer: number; where: string; os: () => unknown }>(entry);
    expect(modules).toMatchObject({ answer: 42, where: join(dir, 'dist', 'bundle.cjs') });
    expect(modules!.os()).toHaveProperty('platform');
  });

  it('compiles each file with the cache made from the same bytes', async () => {
    const loaded = scriptBundle(cachesOf(await builtScripts()));
    expect(loaded.load(join(dir, 'dist', 'bundle.cjs'))).toMatchObject({ answer: 42 });
    expect(loaded.cached.size).toBe(2);
  });

  it('compiles a file without a cache made from other bytes, however alike (V8 compares lengths only)', async () => {
    const caches = cachesOf(await builtScripts());
    await writeFile(join(dir, 'dist', 'chunk-a.cjs'), CHUNK.replace('42', '43'));
    const loaded = scriptBundle(caches);
    expect(loaded.load(join(dir, 'dist', 'bundle.cjs'))).toMatchObject({ answer: 43 });
    expect([...loaded.cached]).toEqual([join(dir, 'dist', 'bundle.cjs')]);
  });

  it('compiles without a cache that is missing (a copy without it)', async () => {
    await builtScripts();
    await rm(join(dir, 'dist', 'chunk-a.cache'));
    expect(await importBundle(entry)).toMatchObject({ answer: 42 });
  });
});
