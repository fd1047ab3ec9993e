import { LauncherError } from './errors.js';
import type { ConnectorInvocation } from './types.js';

/** A JSON document to hand to the connector, and the flag that names it. */
export interface InvocationFile {
  key: string;
  fileName: string;
  content: string;
}

const FILE_KEY = /^[a-z][a-z0-9-]*$/;

/** Serialises the invocation's files; keys become file names and flags, so they are checked. */
export function invocationFiles(invocation: ConnectorInvocation): InvocationFile[] {
  return Object.entries(invocation.files ?? {}).map(([key, value]) => {
    if (!FILE_KEY.test(key)) {
      throw new LauncherError(
        'INVALID_INVOCATION',
        `${invocation.name}: file key "${key}" must match ${FILE_KEY.source}`,
      );
    }
    const content = JSON.stringify(value);
    if (content === undefined) {
      throw new LauncherError('INVALID_INVOCATION', `${invocation.name}: file "${key}" is not JSON-serialisable`);
    }
    return { key, fileName: `${key}.json`, content };
  });
}

/** `<command> --<key> <path of key.json> ...`; `pathOf` places a file name where the connector sees it. */
export function invocationArgs(
  invocation: ConnectorInvocation,
  files: InvocationFile[],
  pathOf: (fileName: string) => string,
): string[] {
  return [invocation.command, ...files.flatMap((f) => [`--${f.key}`, pathOf(f.fileName)])];
}
