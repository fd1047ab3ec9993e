import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Script } from 'node:vm';

/** V8's code cache for a bundle file, and the SHA-1 (hex) of the file it was made from. */
export interface CodeCache {
  data: Buffer;
  sha1: string;
}

/** The CommonJS files of one bundle (an entry and its chunks), each run once as a script. */
export interface ScriptBundle {
  /** Runs `file` (an absolute path) unless it ran already; gives its exports. */
  load(file: string): Record<string, unknown>;
  /** The scripts run so far, by path: for `createCachedData`. */
  readonly scripts: ReadonlyMap<string, Script>;
  /** The paths of the scripts compiled with their code cache. */
  readonly cached: ReadonlySet<string>;
}

/** The SHA-1 (hex) of a bundle file's bytes, as {@link CodeCache} names it. */
export function bundleSha1(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Where the code cache of a bundle file is written: next to it, `.cjs` replaced by `.cache`. */
export function codeCacheFile(file: string): string {
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
export function scriptBundle(cacheOf: (file: string) => CodeCache | undefined = () => undefined): ScriptBundle {
  const modules = new Map<string, { exports: Record<string, unknown> }>();
  const scripts = new Map<string, Script>();
  const cached = new Set<string>();
  const load = (file: string): Record<string, unknown> => {
    const known = modules.get(file);
    if (known) return known.exports;
    // Registered before it runs, as Node does, so that chunks requiring each other finish.
    const module = { exports: {} as Record<string, unknown> };
    modules.set(file, module);
    const bytes = readFileSync(file);
    const cache = cacheOf(file);
    const cachedData = cache && bundleSha1(bytes) === cache.sha1 ? cache.data : undefined;
    // On the source's first line, so that stack traces keep the bundle's line numbers. No
    // `importModuleDynamically`: scripts/bundle.mjs turns every `import()` into a require.
    const wrapped = `(function (exports, require, module, __filename, __dirname) {${bytes.toString('utf8')}\n})`;
    const script = new Script(wrapped, { filename: file, cachedData });
    scripts.set(file, script);
    if (cachedData && !script.cachedDataRejected) cached.add(file);
    const nodeRequire = createRequire(file);
    const require = Object.assign(
      (id: string) => (CHUNK.test(id) ? load(resolve(dirname(file), id)) : (nodeRequire(id) as unknown)),
      nodeRequire,
    );
    (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, file, dirname(file));
    return module.exports;
  };
  return { load, scripts, cached };
}
