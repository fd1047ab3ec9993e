// The entry points' start-up: nothing here may load more than node:fs, node:path, node:url and
// ./entry-script.cjs, or it would cost every connector and runner process what a bundle saves.
// CommonJS, as the bin/ entries that require it: Node's ES module loader costs a process
// 15-20 ms of CPU more, before its first line runs.
import fs = require('node:fs');
import path = require('node:path');
import url = require('node:url');
import entryScript = require('./entry-script.cjs');
import type { ConnectorDefinition } from './connector/definitions.js';
import type { runConnector } from './connector/run-connector.js';
import type { CodeCache } from './entry-types.js';

/** What scripts/bundle.mjs writes as `dist/bundle.json`, last: the bundle and the files it was built from. */
interface BundleManifest {
  /** The bundle's entry, relative to the manifest: an ES module, or a CommonJS bundle (`.cjs`) run as a script. */
  file: string;
  /**
   * Of a `.cjs` bundle: the SHA-1 of each of its files (relative to the manifest) whose V8
   * code cache was written next to it (`codeCacheFile`).
   */
  codeCache?: Record<string, string>;
  /** Build state (tsbuildinfo, the npm lockfile) whose change makes the bundle stale, relative to the manifest. */
  builtFrom: string[];
}

/** A bin entry's path: `__filename`, or the `import.meta.url` of an ES module entry (connectors made from older templates). */
function binFile(entry: string): string {
  return entry.startsWith('file:') ? url.fileURLToPath(entry) : entry;
}

/**
 * The exports of the package's one-file build (scripts/bundle.mjs), for a bin/ entry point
 * (`entry`: its path, `__filename`, or file URL); undefined when it has none or a build it was made from is
 * newer (a `tsc -b` or `npm install` since), so the entry imports its compiled modules instead.
 * One file starts faster: Node resolves, reads and compiles every module on its own.
 */
async function importBundle<T>(entry: string): Promise<T | undefined> {
  const manifestDir = path.join(path.dirname(binFile(entry)), '..', 'dist');
  const manifestFile = path.join(manifestDir, 'bundle.json');
  const built = fs.statSync(manifestFile, { throwIfNoEntry: false });
  if (!built) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as BundleManifest;
  for (const input of manifest.builtFrom) {
    // A missing input is a copy without its build state (an image, a packed package): nothing to compare.
    const changed = fs.statSync(path.join(manifestDir, input), { throwIfNoEntry: false });
    if (changed && changed.mtimeMs > built.mtimeMs) return undefined;
  }
  const bundle = path.join(manifestDir, manifest.file);
  if (!manifest.file.endsWith('.cjs')) return (await import(url.pathToFileURL(bundle).href)) as T;
  const sha1s = new Map(
    Object.entries(manifest.codeCache ?? {}).map(([file, sha1]) => [path.join(manifestDir, file), sha1]),
  );
  const cacheOf = (file: string): CodeCache | undefined => {
    const sha1 = sha1s.get(file);
    if (sha1 === undefined) return undefined;
    try {
      return { data: fs.readFileSync(entryScript.codeCacheFile(file)), sha1 };
    } catch {
      // Unreadable (a copy without it): the file just compiles.
      return undefined;
    }
  };
  return entryScript.scriptBundle(cacheOf).load(bundle) as T;
}

/**
 * A connector's bin/main.js (`entry`: its path, `__filename`): runs the `kind` export of its
 * dist/index.js with the process's arguments, from the package's bundle while it is fresh.
 */
async function runConnectorEntry(entry: string, kind: 'source' | 'destination'): Promise<void> {
  type Modules = { runConnector: typeof runConnector } & Record<typeof kind, ConnectorDefinition<unknown>>;
  const modules = (await importBundle<Modules>(entry)) ?? {
    ...((await import('./connector/index.js')) as Pick<Modules, 'runConnector'>),
    ...((await import(
      url.pathToFileURL(path.join(path.dirname(binFile(entry)), '..', 'dist', 'index.js')).href
    )) as Omit<Modules, 'runConnector'>),
  };
  await modules.runConnector(modules[kind], process.argv.slice(2));
}

export = { importBundle, runConnectorEntry };
