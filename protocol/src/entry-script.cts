// CommonJS, as entry.cts that loads it: see there.
import crypto = require('node:crypto');
import fs = require('node:fs');
import nodeModule = require('node:module');
import path = require('node:path');
import vm = require('node:vm');
import type { CodeCache, ScriptBundle } from './entry-types.js';

/** The SHA-1 (hex) of a bundle file's bytes, as {@link CodeCache} names it. */
function bundleSha1(bytes: Buffer): string {
  return crypto.createHash('sha1').update(bytes).digest('hex');
}

/** Where the code cache of a bundle file is written: next to it, `.cjs` replaced by `.cache`. */
function codeCacheFile(file: string): string {
  return file.replace(/\.cjs$/, '.cache');
}

/** How a bundle file requires one of its chunks (scripts/bundle.mjs names them `chunk-<hash>.cjs`). */
const CHUNK = /^\.\/[^/]+\.cjs$/;

/**
 * CommonJS bundle files (scripts/bundle.mjs) run the way Node runs CommonJS modules, but
 * compiled with V8's code cache (`cacheOf`) when one was made from these very bytes: Node 20
 * caches no compiled code, and compiling is most of what loading a bundle costs. V8 itself
 * only checks a cache's version, flags and the source's length, so a cache of other bytes is
 * never given to it; one V8 refuses (another Node) just compiles the source.
 */
function scriptBundle(cacheOf: (file: string) => CodeCache | undefined = () => undefined): ScriptBundle {
  const modules = new Map<string, { exports: Record<string, unknown> }>();
  const scripts = new Map<string, vm.Script>();
  const cached = new Set<string>();
  const load = (file: string): Record<string, unknown> => {
    const known = modules.get(file);
    if (known) return known.exports;
    // Registered before it runs, as Node does, so that chunks requiring each other finish.
    const module = { exports: {} as Record<string, unknown> };
    modules.set(file, module);
    const bytes = fs.readFileSync(file);
    const cache = cacheOf(file);
    const cachedData = cache && bundleSha1(bytes) === cache.sha1 ? cache.data : undefined;
    // On the source's first line, so that stack traces keep the bundle's line numbers. No
    // `importModuleDynamically`: scripts/bundle.mjs turns every `import()` into a require.
    const wrapped = `(function (exports, require, module, __filename, __dirname) {${bytes.toString('utf8')}\n})`;
    const script = new vm.Script(wrapped, { filename: file, cachedData });
    scripts.set(file, script);
    if (cachedData && !script.cachedDataRejected) cached.add(file);
    const nodeRequire = nodeModule.createRequire(file);
    const require = Object.assign(
      (id: string) => (CHUNK.test(id) ? load(path.resolve(path.dirname(file), id)) : (nodeRequire(id) as unknown)),
      nodeRequire,
    );
    (script.runInThisContext() as (...args: unknown[]) => void)(
      module.exports,
      require,
      module,
      file,
      path.dirname(file),
    );
    return module.exports;
  };
  return { load, scripts, cached };
}

export = { bundleSha1, codeCacheFile, scriptBundle };
