import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConnectorDefinition } from './connector/definitions.js';
import type { runConnector } from './connector/run-connector.js';
import type { CodeCache } from './entry-script.js';

// The entry points' start-up: nothing here may load more than node:fs (and, for a CommonJS
// bundle, ./entry-script.js), or it would cost every connector and runner process what a
// bundle saves.

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

/**
 * The exports of the package's one-file build (scripts/bundle.mjs), for a bin/ entry point
 * (`entry`: its `import.meta.url`); undefined when it has none or a build it was made from is
 * newer (a `tsc -b` or `npm install` since), so the entry imports its compiled modules instead.
 * One file starts faster: Node resolves, reads and compiles every module on its own.
 */
export async function importBundle<T>(entry: string): Promise<T | undefined> {
  const manifestUrl = new URL('../dist/bundle.json', entry);
  const built = statSync(manifestUrl, { throwIfNoEntry: false });
  if (!built) return undefined;
  const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8')) as BundleManifest;
  for (const input of manifest.builtFrom) {
    // A missing input is a copy without its build state (an image, a packed package): nothing to compare.
    const changed = statSync(new URL(input, manifestUrl), { throwIfNoEntry: false });
    if (changed && changed.mtimeMs > built.mtimeMs) return undefined;
  }
  const bundle = new URL(manifest.file, manifestUrl);
  if (!manifest.file.endsWith('.cjs')) return (await import(bundle.href)) as T;
  const { codeCacheFile, scriptBundle } = await import('./entry-script.js');
  const sha1s = new Map(
    Object.entries(manifest.codeCache ?? {}).map(([file, sha1]) => [fileURLToPath(new URL(file, manifestUrl)), sha1]),
  );
  const cacheOf = (file: string): CodeCache | undefined => {
    const sha1 = sha1s.get(file);
    if (sha1 === undefined) return undefined;
    try {
      return { data: readFileSync(codeCacheFile(file)), sha1 };
    } catch {
      // Unreadable (a copy without it): the file just compiles.
      return undefined;
    }
  };
  return scriptBundle(cacheOf).load(fileURLToPath(bundle)) as T;
}

/**
 * A connector's bin/main.js (`entry`: its `import.meta.url`): runs the `kind` export of its
 * dist/index.js with the process's arguments, from the package's bundle while it is fresh.
 */
export async function runConnectorEntry(entry: string, kind: 'source' | 'destination'): Promise<void> {
  type Modules = { runConnector: typeof runConnector } & Record<typeof kind, ConnectorDefinition<unknown>>;
  const modules = (await importBundle<Modules>(entry)) ?? {
    ...((await import('./connector/index.js')) as Pick<Modules, 'runConnector'>),
    ...((await import(new URL('../dist/index.js', entry).href)) as Omit<Modules, 'runConnector'>),
  };
  await modules.runConnector(modules[kind], process.argv.slice(2));
}
