import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importBundle } from './entry.js';

let dir: string;
let entry: string;
beforeEach(async () => {
  // A package as scripts/bundle.mjs leaves it: bin/, dist/bundle.js and its manifest, its build state.
  dir = await mkdtemp(join(tmpdir(), 'backflow-entry-'));
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'dist'));
  await writeFile(join(dir, 'dist', 'bundle.js'), 'export const answer = 42;\n');
  await writeFile(join(dir, 'tsconfig.tsbuildinfo'), '{}');
  entry = pathToFileURL(join(dir, 'bin', 'main.js')).href;
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
