import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectorSpecification } from '@backflow/protocol';
import type { Endpoint } from '../generated/connection.js';
import { DEFAULT_CONNECTORS_DIR } from '../launchers/resolve-connector.js';

/**
 * What identifies the spec of a connector referenced by package name: its name, version and
 * the contents of its `spec.json` (the spec's source, so a spec edited without a version bump
 * still misses the cache). Images and commands are opaque to the runner: no key, no cache.
 */
export async function specCacheKey(endpoint: Endpoint, connectorsDir?: string): Promise<string | undefined> {
  if (!endpoint.connector) return undefined;
  const dir = join(connectorsDir ?? DEFAULT_CONNECTORS_DIR, endpoint.connector.replace(/^@backflow\//, ''));
  try {
    const [pkg, spec] = await Promise.all([
      readFile(join(dir, 'package.json'), 'utf8'),
      readFile(join(dir, 'spec.json'), 'utf8'),
    ]);
    const { name, version } = JSON.parse(pkg) as { name?: unknown; version?: unknown };
    return createHash('sha256')
      .update(JSON.stringify([name, version, spec]))
      .digest('hex')
      .slice(0, 32);
  } catch {
    return undefined;
  }
}

/**
 * A connector's spec from `dir` when it was fetched before under `key`, else fetched and
 * kept: it saves starting the connector (a node or container start-up) on every sync. The
 * cache is only a shortcut, so an unreadable or unwritable entry means fetching.
 */
export async function cachedSpec(
  dir: string | undefined,
  key: string | undefined,
  fetch: () => Promise<ConnectorSpecification>,
): Promise<ConnectorSpecification> {
  if (!dir || !key) return fetch();
  const file = join(dir, `${key}.json`);
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as ConnectorSpecification;
    if (cached && typeof cached.connectionSpecification === 'object') return cached;
  } catch {
    // absent or torn: fetched below
  }
  const spec = await fetch();
  try {
    await mkdir(dir, { recursive: true });
    // Written aside then renamed, so a concurrent sync never reads half a file.
    const partial = `${file}.${process.pid}.tmp`;
    await writeFile(partial, JSON.stringify(spec));
    await rename(partial, file);
  } catch {
    // a read-only state directory only loses the shortcut
  }
  return spec;
}
