#!/usr/bin/env node
// Writes V8's code cache of each file of a CommonJS bundle next to it (codeCacheFile):
// scripts/bundle.mjs runs this once per bundle, in its own process so that the caches are
// made under a plain `node`'s flags (V8 refuses a cache made under others) and the bundle's
// top-level code never runs in the build's process. The files run as an entry point runs
// them (@backflow/protocol/entry), the entry first, every function compiled, then saved.
//
//   node scripts/code-cache.mjs <entry.cjs> [<chunk.cjs> ...]
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import v8 from 'node:v8';
import { codeCacheFile, scriptBundle } from '../protocol/dist/entry-script.cjs';

// V8 compiles a function when it is first called, and a cache holds only compiled code: made
// after loading alone, it left each function a run calls to be compiled at every start (about
// a tenth of a Postgres connector's instructions, and of the runner's before its first row).
// Compiled eagerly, every function is in the cache. The flag is back to its default before
// the caches are written: they carry the flags they were made under.
v8.setFlagsFromString('--no-lazy');
const bundle = scriptBundle();
for (const file of process.argv.slice(2)) {
  try {
    bundle.load(resolve(file));
  } catch {
    // Top-level code that needs where it runs (a connector's spec.json): compiled, it is cached all the same.
  }
}
v8.setFlagsFromString('--lazy');
for (const [file, script] of bundle.scripts) writeFileSync(codeCacheFile(file), script.createCachedData());
