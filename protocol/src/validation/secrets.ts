const mask = '**********';

/**
 * Names of the properties a schema marks `airbyte_secret: true`, anywhere in it (nested
 * objects, oneOf branches, definitions). Values under these names are never printed.
 */
export function secretPropertyNames(schema: unknown): ReadonlySet<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const properties = (node as { properties?: unknown }).properties;
    if (properties !== null && typeof properties === 'object' && !Array.isArray(properties)) {
      for (const [name, sub] of Object.entries(properties)) {
        if (isSecretSchema(sub)) names.add(name);
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(schema);
  return names;
}

/** True when a (sub)schema marks its value as a secret. */
export function isSecretSchema(schema: unknown): boolean {
  return (
    schema !== null && typeof schema === 'object' && (schema as { airbyte_secret?: unknown }).airbyte_secret === true
  );
}

/** A copy of `value` in which every property named in `secretNames` is replaced by a mask. */
export function maskSecrets(value: unknown, secretNames: ReadonlySet<string>): unknown {
  if (secretNames.size === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, secretNames));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, secretNames.has(key) ? mask : maskSecrets(item, secretNames)]),
  );
}

export const secretMask = mask;
