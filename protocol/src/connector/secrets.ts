/**
 * Secrets are spec fields marked `airbyte_secret: true`. The SDK collects their values from
 * the config once and scrubs them from every LOG and TRACE it writes, whatever code path
 * produced the text (a driver error often echoes a connection string).
 */
export const REDACTED = '**********';

type JsonSchema = {
  airbyte_secret?: boolean;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema | JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

/** Values in `config` at the places `schema` marks secret, found through nested objects, arrays and oneOf branches. */
export function collectSecrets(schema: unknown, config: unknown): string[] {
  const found = new Set<string>();
  visit(schema as JsonSchema | undefined, config, found);
  return [...found];
}

function visit(schema: JsonSchema | undefined, value: unknown, found: Set<string>): void {
  if (!schema || value === undefined || value === null) return;
  if (schema.airbyte_secret) {
    addSecretValue(value, found);
    return;
  }
  for (const branch of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) {
    visit(branch, value, found);
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    value.forEach((item, i) => visit(Array.isArray(items) ? items[i] : items, item, found));
    return;
  }
  if (typeof value === 'object' && schema.properties) {
    for (const [key, child] of Object.entries(schema.properties)) {
      visit(child, (value as Record<string, unknown>)[key], found);
    }
  }
}

/** Fields of a secret JSON document that are secret themselves (a key file's private key). */
const SECRET_FIELD = /key|secret|token|password|credential/i;

function addSecretValue(value: unknown, found: Set<string>): void {
  if (typeof value === 'string') {
    if (value.length > 0) found.add(value);
    // A service-account JSON pasted as a string hides its private key inside: scrub those
    // parts too, but not its project id or e-mail, which error messages need to be useful.
    if (value.trimStart().startsWith('{')) {
      try {
        addSecretFields(JSON.parse(value), found);
      } catch {
        // not JSON: the whole string is already registered
      }
    }
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    found.add(String(value));
  } else if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) addSecretValue(inner, found);
  }
}

function addSecretFields(document: unknown, found: Set<string>): void {
  if (!document || typeof document !== 'object') return;
  for (const [field, inner] of Object.entries(document)) {
    if (SECRET_FIELD.test(field)) addSecretValue(inner, found);
    else if (inner && typeof inner === 'object') addSecretFields(inner, found);
  }
}

/** Replaces every occurrence of each secret (and its JSON-escaped form) in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values ("1", "true") would shred ordinary text; they are not real secrets.
    if (secret.length < 4) continue;
    out = out.split(secret).join(REDACTED);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.split(escaped).join(REDACTED);
  }
  return out;
}

/** A deep copy of `config` with every secret field replaced, safe to print. */
export function redactConfig(schema: unknown, config: unknown): unknown {
  return mask(schema as JsonSchema | undefined, config);
}

function mask(schema: JsonSchema | undefined, value: unknown): unknown {
  if (!schema || value === null || value === undefined) return value;
  if (schema.airbyte_secret) return REDACTED;
  if (Array.isArray(value)) {
    const items = schema.items;
    return value.map((item, i) => mask(Array.isArray(items) ? items[i] : items, item));
  }
  if (typeof value !== 'object') return value;
  const branches = [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])];
  let out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const branch of branches) out = mask(branch, out) as Record<string, unknown>;
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (key in out) out[key] = mask(child, out[key]);
  }
  return out;
}
