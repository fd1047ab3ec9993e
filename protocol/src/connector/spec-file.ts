import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConnectorSpecification } from '../types.js';
import { validateWith } from '../validation/index.js';

/**
 * Loads a connector's `spec.json` (its single source of truth) relative to the calling
 * module, e.g. `loadSpec(import.meta.url, '../spec.json')`, and checks it is a valid spec.
 */
export function loadSpec(base: string, relativePath: string): ConnectorSpecification {
  const path = fileURLToPath(new URL(relativePath, base));
  return validateWith<ConnectorSpecification>('ConnectorSpecification', JSON.parse(readFileSync(path, 'utf8')), path);
}

/**
 * A generated Config type with the fields whose spec.json `default` the SDK fills in made
 * required: the config a connector receives, as in `defineSource<WithDefaults<Config, 'page_size'>>`.
 */
export type WithDefaults<Config, Keys extends keyof Config> = Config & { [Key in Keys]-?: NonNullable<Config[Key]> };
