import { parseArgs } from 'node:util';
import { ConfigError } from './errors.js';

export type Command = 'spec' | 'check' | 'discover' | 'read' | 'write';

export interface ParsedArgs {
  command: Command;
  config?: string;
  catalog?: string;
  state?: string;
}

const FILES_BY_COMMAND: Record<Command, { required: string[]; optional: string[] }> = {
  spec: { required: [], optional: [] },
  check: { required: ['config'], optional: [] },
  discover: { required: ['config'], optional: [] },
  read: { required: ['config', 'catalog'], optional: ['state'] },
  write: { required: ['config', 'catalog'], optional: [] },
};

export const USAGE = `usage:
  spec
  check --config CONFIG
  discover --config CONFIG
  read --config CONFIG --catalog CATALOG [--state STATE]   (sources)
  write --config CONFIG --catalog CATALOG                  (destinations)`;

/** The Airbyte connector command line, exactly: one command and its file flags. */
export function parseConnectorArgs(argv: readonly string[], commands: readonly Command[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { config: { type: 'string' }, catalog: { type: 'string' }, state: { type: 'string' } },
    });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n${USAGE}`);
  }
  const [command, ...extra] = parsed.positionals;
  if (!command || !(commands as readonly string[]).includes(command)) {
    const got = command === undefined ? 'no command' : `"${command}"`;
    throw new ConfigError(`expected one of ${commands.join(', ')}; got ${got}\n${USAGE}`);
  }
  if (extra.length > 0) throw new ConfigError(`unexpected argument "${extra[0]}"\n${USAGE}`);
  const files = FILES_BY_COMMAND[command as Command];
  for (const flag of files.required) {
    if (parsed.values[flag as 'config'] === undefined) {
      throw new ConfigError(`${command} needs --${flag} FILE\n${USAGE}`);
    }
  }
  for (const flag of ['config', 'catalog', 'state'] as const) {
    if (parsed.values[flag] !== undefined && !files.required.includes(flag) && !files.optional.includes(flag)) {
      throw new ConfigError(`${command} does not take --${flag}\n${USAGE}`);
    }
  }
  return { command: command as Command, ...parsed.values };
}
