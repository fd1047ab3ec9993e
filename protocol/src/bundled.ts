import { readFileSync, statSync } from 'node:fs';

/** What scripts/bundle.mjs writes as `dist/bundle.json`, last: the bundle and the files it was built from. */
interface BundleManifest {
  /** The bundle's entry, relative to the manifest. */
  file: string;
  /** Build state (tsbuildinfo, the npm lockfile) whose change makes the bundle stale, relative to the manifest. */
  builtFrom: string[];
}

/**
 * The exports of the package's one-file build (scripts/bundle.mjs), for a bin/ entry point
 * (`entry`: its `import.meta.url`); undefined when it has none or a build it was made from is
 * newer (a `tsc -b` or `npm install` since), so the entry imports its compiled modules instead.
 * One file starts several times faster: Node resolves, reads and compiles every module alone.
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
  return (await import(new URL(manifest.file, manifestUrl).href)) as T;
}
