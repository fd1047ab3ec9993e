import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AirbyteCatalog, ConnectorSpecification } from '@backflow/protocol';

/** Variable naming the folder of the connector cache (default: `$XDG_CACHE_HOME/backflow`, `~/.cache/backflow`). */
export const CACHE_DIR_ENV = 'BACKFLOW_CACHE_DIR';

/** The cache folder the environment names. */
export function cacheDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  if (env[CACHE_DIR_ENV]) return env[CACHE_DIR_ENV];
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'backflow');
}

/**
 * Specs and discovered catalogs kept between runs, so an unchanged sync starts no `spec` and
 * no `discover` process (each a node or container start-up). An entry is found by the
 * connector's identity (package and version, or the program's files and their modification
 * times) and, for a catalog, an HMAC of the canonical config under a random key kept beside
 * the entries: no file name or content holds a config value or lets one be derived, and a new
 * version or a changed config simply misses. Files are private to the user (0600). The cache
 * is only a shortcut: an unreadable or unwritable entry means running the command.
 */
export class ConnectorCache {
  private key: Promise<Buffer | undefined> | undefined;

  constructor(
    readonly dir: string,
    /** Entries are not read (but rewritten): `--refresh-connectors`. */
    private readonly refresh = false,
  ) {}

  /** The spec of the connector with this identity; `fetch` when not kept. */
  spec(identity: string | undefined, fetch: () => Promise<ConnectorSpecification>): Promise<ConnectorSpecification> {
    if (identity === undefined) return fetch();
    return this.through(`spec-${digest(identity)}.json`, fetch, (kept) => isObject(kept?.connectionSpecification));
  }

  /**
   * The catalog the connector with this identity discovered with this config, if kept and it
   * has every stream `wanted` accepts; else `fetch` and keep its answer.
   */
  async catalog(
    identity: string | undefined,
    config: unknown,
    wanted: (catalog: AirbyteCatalog) => boolean,
    fetch: () => Promise<AirbyteCatalog>,
  ): Promise<AirbyteCatalog> {
    const file = await this.catalogFile(identity, config);
    if (file === undefined) return fetch();
    return this.through(file, fetch, (kept) => Array.isArray(kept?.streams) && wanted(kept));
  }

  /** Drops a kept catalog (a run that failed with it discovers again next time). */
  async forgetCatalog(identity: string | undefined, config: unknown): Promise<void> {
    const file = await this.catalogFile(identity, config);
    if (file !== undefined) await rm(join(this.dir, file), { force: true }).catch(() => undefined);
  }

  private async catalogFile(identity: string | undefined, config: unknown): Promise<string | undefined> {
    const key = identity === undefined ? undefined : await this.secretKey();
    if (key === undefined) return undefined;
    const mac = createHmac('sha256', key)
      .update(canonicalJson([identity, config]))
      .digest('hex');
    return `catalog-${mac.slice(0, 40)}.json`;
  }

  private async through<T>(file: string, fetch: () => Promise<T>, valid: (kept: T | undefined) => boolean): Promise<T> {
    const path = join(this.dir, file);
    if (!this.refresh) {
      const kept = (await readFile(path, 'utf8').then(JSON.parse, () => undefined)) as T | undefined;
      if (kept !== undefined && valid(kept)) return kept;
    }
    const fresh = await fetch();
    await this.write(path, JSON.stringify(fresh)).catch(() => undefined);
    return fresh;
  }

  /** The HMAC key, created on first use; none when the folder cannot hold one. */
  private secretKey(): Promise<Buffer | undefined> {
    this.key ??= (async () => {
      const path = join(this.dir, 'hmac.key');
      const kept = await readFile(path).catch(() => undefined);
      if (kept?.length === 32) return kept;
      try {
        await this.write(path, randomBytes(32));
        // Two runs may race to create it: the one that landed is the key.
        const key = await readFile(path);
        return key.length === 32 ? key : undefined;
      } catch {
        return undefined;
      }
    })();
    return this.key;
  }

  /** Written aside then renamed, so a concurrent run never reads half a file. */
  private async write(path: string, data: string | Buffer): Promise<void> {
    await makeDirectory(dirname(path));
    const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(partial, data, { mode: 0o600 });
    await rename(partial, path);
  }
}

/**
 * Creates `dir` and its missing parents one level at a time: Node's recursive `mkdir` loops
 * forever under some virtual file systems (/proc), and a cache must never hang a run.
 */
async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = dir; !(await stat(at).catch(() => undefined)); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const level of missing) {
    await mkdir(level, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

/**
 * What identifies the version of a program run as a connector: each of its words that is a
 * file, with its size and modification time, and the name and version of the package that
 * holds it. A program none of whose arguments is a file (e.g. one found on PATH) has no
 * identity: it is not cached.
 */
export async function programIdentity(words: readonly string[]): Promise<string | undefined> {
  const files: unknown[] = [];
  let program = false;
  for (const [i, word] of words.entries()) {
    const info = await stat(word).catch(() => undefined);
    if (!info?.isFile()) continue;
    // The interpreter alone (node) does not identify the program it runs.
    program ||= i > 0 || words.length === 1;
    files.push([word, info.size, info.mtimeMs, await packageVersion(dirname(word))]);
  }
  return program ? canonicalJson(files) : undefined;
}

/** Name and version of the nearest package.json at or above `dir`. */
async function packageVersion(dir: string): Promise<unknown> {
  for (let at = dir; ; at = dirname(at)) {
    const text = await readFile(join(at, 'package.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) {
      const { name, version } = JSON.parse(text) as { name?: unknown; version?: unknown };
      return [name, version];
    }
    if (dirname(at) === at) return null;
  }
}

/** JSON with object keys sorted, so equal configs give equal keys whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 40);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
