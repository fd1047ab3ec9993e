import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkedSpecs } from '../generated/validators.js';
import type { ConnectorSpecification } from '../types.js';
import { validateWith } from '../validation/index.js';

/** Where each loaded spec came from, to name it in errors. */
const paths = new WeakMap<object, string>();
const checked = new WeakSet<object>();

/**
 * Loads a connector's `spec.json` (its single source of truth) relative to the calling
 * module, e.g. `loadSpec(import.meta.url, '../spec.json')`. It is checked against the
 * protocol by {@link checkSpec} when the connector first needs it (any command but `spec`),
 * so that importing a connector does not compile the protocol schemas.
 */
export function loadSpec(base: string, relativePath: string): ConnectorSpecification {
  const path = fileURLToPath(new URL(relativePath, base));
  const spec = JSON.parse(readFileSync(path, 'utf8')) as ConnectorSpecification;
  paths.set(spec, path);
  return spec;
}

/** Checks a spec is a valid ConnectorSpecification (once per spec object). Throws a ProtocolError. */
export function checkSpec(spec: ConnectorSpecification): ConnectorSpecification {
  if (checked.has(spec)) return spec;
  // The spec.json of this repository's connectors were checked when the validators were
  // generated (scripts/gen-types.mjs): checking it again would cost every command ~10 ms of
  // CPU, most of it compiling the `format: uri` regular expression. Any other text, an edited
  // spec.json included, is checked here.
  if (!checkedSpecs.has(JSON.stringify(spec)))
    validateWith<ConnectorSpecification>('ConnectorSpecification', spec, paths.get(spec) ?? 'connector spec');
  checked.add(spec);
  return spec;
}

/**
 * A generated Config type with the fields whose spec.json `default` the SDK fills in made
 * required: the config a connector receives, as in `defineSource<WithDefaults<Config, 'page_size'>>`.
 */
export type WithDefaults<Config, Keys extends keyof Config> = Config & { [Key in Keys]-?: NonNullable<Config[Key]> };
