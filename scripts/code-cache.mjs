#!/usr/bin/env node
// Writes V8's code cache of each file of a CommonJS bundle next to it (codeCacheFile):
// scripts/bundle.mjs runs this once per bundle, in its own process so that the caches are
// made under a plain `node`'s flags (V8 refuses a cache made under others) and the bundle's
// top-level code never runs in the build's process. The files run as an entry point runs
// them (@backflow/protocol/entry), the entry first, then the code compiled so far is saved.
//
//   node scripts/code-cache.mjs <entry.cjs> [<chunk.cjs> ...]
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { codeCacheFile, scriptBundle } from '../protocol/dist/entry-script.js';

const bundle = scriptBundle();
for (const file of process.argv.slice(2)) {
  try {
    bundle.load(resolve(file));
  } catch {
    // Top-level code that needs where it runs (a connector's spec.json): compiled, it is cached all the same.
  }
}
for (const [file, script] of bundle.scripts) writeFileSync(codeCacheFile(file), script.createCachedData());
