import type { Script } from 'node:vm';

// The types of entry.cts and entry-script.cts, CommonJS modules that export one object and so
// no types of their own.

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
