import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const FIXTURE_CONNECTORS = join(REPO_ROOT, 'test', 'fixtures', 'connectors');
export const RUNNER_BIN = join(REPO_ROOT, 'runner', 'bin', 'runner.js');

/** `node <fixture>/main.js`, as a connection file's `command:`. */
export function fixtureCommand(name: string): string {
  return `${process.execPath} ${join(FIXTURE_CONNECTORS, name, 'bin', 'main.js')}`;
}

/** A temporary folder for one test: connection files, state, outputs. Remove it with `cleanup`. */
export async function tempWorkspace(prefix = 'backflow-test-') {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    path: (name: string) => join(dir, name),
    /** Writes a connection file (YAML) and returns its path. */
    async connection(name: string, content: object): Promise<string> {
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, stringify(content));
      return file;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
