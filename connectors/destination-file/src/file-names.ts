import { isAbsolute, relative, resolve } from 'node:path';
import type { ConfiguredAirbyteStream } from '@backflow/protocol';
import { ConfigError, streamKey } from '@backflow/protocol/connector';

export const DEFAULT_FILE_NAME_PATTERN = '{stream}.{ext}';

/**
 * The pattern for a stream without a namespace (a model): `{namespace}` goes, with one
 * separator (`-`, `_`, `.`, `/`) next to it, so `{namespace}-{stream}.{ext}` names a model's
 * file `accounts.jsonl`, not `-accounts.jsonl`.
 */
export function withoutNamespace(pattern: string): string {
  // Between two separators the one before goes (`{stream}-{namespace}.{ext}` → `{stream}.{ext}`).
  return pattern.replace(/([-_./])?\{namespace\}([-_./])?/g, (_match, before?: string, after?: string) =>
    before && after ? after : '',
  );
}

/**
 * The file of a configured stream: the pattern with `{stream}` (or `destination_object_name`),
 * `{namespace}` and `{ext}` filled in, under `directory`. Names that would leave the
 * directory (`/`, `..`) are refused, since stream names come from the model, not the user.
 */
export function streamFilePath(
  directory: string,
  pattern: string,
  configured: ConfiguredAirbyteStream,
  extension: string,
): string {
  const values: Record<string, string> = {
    stream: configured.destination_object_name ?? configured.stream.name,
    namespace: configured.stream.namespace ?? '',
  };
  for (const [placeholder, value] of Object.entries(values)) {
    if (/[/\\\0]/.test(value) || value === '.' || value === '..') {
      throw new ConfigError(
        `stream "${streamKey(configured.stream)}": its ${placeholder} name "${value}" cannot be used in a file name`,
      );
    }
  }
  const name = (values.namespace === '' ? withoutNamespace(pattern) : pattern)
    .replaceAll('{stream}', values.stream!)
    .replaceAll('{namespace}', values.namespace!)
    .replaceAll('{ext}', extension);
  const root = resolve(directory);
  const path = resolve(root, name);
  const inside = relative(root, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new ConfigError(
      `file_name_pattern "${pattern}" gives "${name}" for stream "${streamKey(configured.stream)}", which is not a file inside ${directory}`,
    );
  }
  return path;
}
