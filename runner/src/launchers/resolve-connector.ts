import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerLauncher, type DockerLauncherOptions } from './docker-launcher.js';
import { LauncherError } from './errors.js';
import { ProcessLauncher, type ProcessLauncherOptions } from './process-launcher.js';
import { splitCommand } from './split-command.js';
import type { Executor } from '../generated/connection.js';
import type { Launcher } from './types.js';

/**
 * Which connector to run: a package folder in the connectors folder (`destination-postgres`;
 * its image is `backflow/<package name without scope>:<package version>`), a Docker image
 * (`x/y:tag`), or a local program (`node path/main.js`).
 */
export type ConnectorRef = { name: string } | { image: string } | { command: string };

/** How connector packages referenced by name are run (declared by the connection schema). */
export type { Executor } from '../generated/connection.js';

/** Options of {@link resolveConnector}. */
export interface ResolveConnectorOptions {
  /** Used for `{ name }` refs; images always run in Docker and commands as processes. */
  executor: Executor;
  /** Folder of connector packages; default: the repository's `connectors/`. */
  connectorsDir?: string;
  /** Options for Docker launchers (the image comes from the ref). */
  docker?: Omit<DockerLauncherOptions, 'image'>;
  /** Options for process launchers (the command comes from the ref). */
  process?: Omit<ProcessLauncherOptions, 'command'>;
}

/** The repository's connectors folder, relative to this module in src/ or dist/. */
export const DEFAULT_CONNECTORS_DIR = fileURLToPath(new URL('../../../connectors/', import.meta.url));

const CONNECTOR_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** Turns a connector reference into the launcher that runs it. */
export async function resolveConnector(ref: ConnectorRef, options: ResolveConnectorOptions): Promise<Launcher> {
  if ('image' in ref) return new DockerLauncher({ ...options.docker, image: ref.image });
  if ('command' in ref) {
    let command: string[];
    try {
      command = splitCommand(ref.command);
    } catch (error) {
      throw new LauncherError('INVALID_INVOCATION', (error as Error).message);
    }
    if (command.length === 0) throw new LauncherError('INVALID_INVOCATION', 'empty connector command');
    return new ProcessLauncher({ ...options.process, command });
  }
  const dir = options.connectorsDir ?? DEFAULT_CONNECTORS_DIR;
  const name = ref.name.replace(/^@backflow\//, '');
  const pkg = CONNECTOR_NAME.test(name) ? await readPackage(join(dir, name)) : undefined;
  if (!pkg) {
    const known = await knownConnectors(dir);
    throw new LauncherError(
      'UNKNOWN_CONNECTOR',
      `unknown connector "${ref.name}"; known connectors in ${dir}: ${known.join(', ') || '(none)'}`,
    );
  }
  if (options.executor === 'docker') {
    const image = `backflow/${pkg.name.replace(/^@[^/]+\//, '')}:${pkg.version}`;
    return new DockerLauncher({ ...options.docker, image });
  }
  const main = join(dir, name, 'bin', 'main.js');
  try {
    await access(main);
  } catch {
    throw new LauncherError('UNKNOWN_CONNECTOR', `connector "${name}" has no ${main}`);
  }
  return new ProcessLauncher({ ...options.process, command: [process.execPath, main] });
}

async function readPackage(dir: string): Promise<{ name: string; version: string } | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  const { name, version } = JSON.parse(text) as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || typeof version !== 'string') {
    throw new LauncherError('UNKNOWN_CONNECTOR', `${dir}/package.json needs a name and a version`);
  }
  return { name, version };
}

async function knownConnectors(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && (await readPackage(join(dir, entry.name)).catch(() => undefined))) {
      names.push(entry.name);
    }
  }
  return names.sort();
}
