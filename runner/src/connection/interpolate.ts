import { ConfigurationError } from '../errors.js';

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` (or `${VAR:-default}`) in every string of a parsed connection file, so
 * secrets stay in the environment rather than in the file. `$$` is a literal `$`. Runs after
 * YAML parsing, so a value with quotes or colons cannot break the document. The values taken
 * from the environment are collected: they are treated as secrets and never printed.
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  file: string,
  used: Set<string>,
  path = '',
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const found = env[name!];
      if (found === undefined || found === '') {
        if (fallback !== undefined) return fallback;
        throw new ConfigurationError(
          `${file}: ${path || '/'} uses \${${name}}, but the environment variable ${name} is not set`,
        );
      }
      used.add(found);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, file, used, `${path}/${i}`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, file, used, `${path}/${key}`)]),
    );
  }
  return value;
}
