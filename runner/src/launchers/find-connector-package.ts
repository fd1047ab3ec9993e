import { access, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LauncherError } from './errors.js';

/** A connector package found on disk. */
export interface ConnectorPackage {
  /** The package folder. */
  dir: string;
  /** `name` of its package.json, e.g. `@backflow/destination-postgres`. */
  name: string;
  version: string;
  /** The program that runs it: its package.json `bin`, else `bin/main.js`. */
  main: string;
}

/** Where {@link findConnectorPackage} looks. */
export interface ConnectorSearch {
  /** Folders of connector packages (one sub-folder per connector), searched first. */
  connectorsDirs: readonly string[];
  /** Folders from which installed packages are looked up in `node_modules`, as Node does. */
  searchFrom: readonly string[];
}

/** The repository's connectors folder, relative to this module in src/ or dist/. */
export const DEFAULT_CONNECTORS_DIR = fileURLToPath(new URL('../../../connectors/', import.meta.url));

/** Variable naming folders of connector packages, separated like PATH. */
export const CONNECTORS_ENV = 'BACKFLOW_CONNECTORS';

const CONNECTOR_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const DEFAULT_SCOPE = '@backflow/';
/** Installed beside the connectors and has a bin, but is not one. */
const RUNNER_PACKAGE = '@backflow/runner';

/** The folders named by {@link CONNECTORS_ENV}, or none. */
export function connectorsDirsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[CONNECTORS_ENV] ?? '').split(delimiter).filter((dir) => dir !== '');
}

/**
 * Finds a connector package by name (`destination-postgres`, `@backflow/destination-postgres`,
 * `@acme/destination-x`): first as a folder of the connectors folders, then installed in the
 * `node_modules` Node would search from each `searchFrom` folder and from the runner itself
 * (an unscoped name means `@backflow/<name>`), last in the repository's `connectors/`.
 */
export async function findConnectorPackage(name: string, search: ConnectorSearch): Promise<ConnectorPackage> {
  if (!CONNECTOR_NAME.test(name)) {
    throw new LauncherError('UNKNOWN_CONNECTOR', `unknown connector "${name}": not a package name`);
  }
  const folderName = name.startsWith(DEFAULT_SCOPE) ? name.slice(DEFAULT_SCOPE.length) : name;
  const packageName = name.startsWith('@') ? name : DEFAULT_SCOPE + name;
  const candidates = [
    ...search.connectorsDirs.map((dir) => join(dir, folderName)),
    ...nodeModulesDirs(search.searchFrom).map((dir) => join(dir, packageName)),
    join(DEFAULT_CONNECTORS_DIR, folderName),
  ];
  for (const dir of new Set(candidates)) {
    const found = await readConnectorPackage(dir);
    if (found) return found;
  }
  const known = await knownConnectors(search);
  const where = [
    ...search.connectorsDirs,
    ...new Set(search.searchFrom.map((dir) => `node_modules from ${resolve(dir)}`)),
  ];
  throw new LauncherError(
    'UNKNOWN_CONNECTOR',
    `unknown connector "${name}" (looked in ${[...where, DEFAULT_CONNECTORS_DIR].join(', ')}; ` +
      `install ${packageName}, or point --connectors-dir or ${CONNECTORS_ENV} at its folder); ` +
      `known connectors: ${known.join(', ') || '(none)'}`,
  );
}

/** The `node_modules` folders Node searches from each folder, then from the runner's own location. */
function nodeModulesDirs(searchFrom: readonly string[]): string[] {
  const requires = [
    ...searchFrom.map((dir) => createRequire(join(resolve(dir), 'noop.js'))),
    createRequire(import.meta.url),
  ];
  return [...new Set(requires.flatMap((require) => require.resolve.paths('@backflow/x') ?? []))];
}

async function readConnectorPackage(dir: string): Promise<ConnectorPackage | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  const { name, version, bin } = JSON.parse(text) as { name?: unknown; version?: unknown; bin?: unknown };
  if (typeof name !== 'string' || typeof version !== 'string') {
    throw new LauncherError('UNKNOWN_CONNECTOR', `${dir}/package.json needs a name and a version`);
  }
  const main = join(dir, mainOf(name, bin));
  try {
    await access(main);
  } catch {
    throw new LauncherError('UNKNOWN_CONNECTOR', `connector "${name}" has no ${main}`);
  }
  return { dir, name, version, main };
}

/** The package's program: a string `bin`, the entry named like the package or the only one; else bin/main.js. */
function mainOf(name: string, bin: unknown): string {
  if (typeof bin === 'string') return bin;
  if (bin && typeof bin === 'object') {
    const entries = Object.entries(bin as Record<string, unknown>).filter(([, v]) => typeof v === 'string');
    const own =
      entries.find(([key]) => key === name.replace(/^@[^/]+\//, '')) ?? (entries.length === 1 ? entries[0] : undefined);
    if (own) return own[1] as string;
  }
  return join('bin', 'main.js');
}

/** Connector names found in the connectors folders, installed under @backflow/, and in the repository. */
async function knownConnectors(search: ConnectorSearch): Promise<string[]> {
  const names = new Set<string>();
  const scoped = nodeModulesDirs(search.searchFrom).map((dir) => join(dir, '@backflow'));
  for (const dir of [...search.connectorsDirs, ...scoped, DEFAULT_CONNECTORS_DIR]) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      const found = await readConnectorPackage(join(dir, entry.name)).catch(() => undefined);
      if (found && found.name !== RUNNER_PACKAGE) names.add(entry.name);
    }
  }
  return [...names].sort();
}
