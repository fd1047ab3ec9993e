import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectorConfigValidators } from '../generated/validators.js';
import { ProtocolError } from './protocol-error.js';
import { compileConfigSchema } from './validate.js';

const connectorsDir = fileURLToPath(new URL('../../../connectors/', import.meta.url));
const specs = readdirSync(connectorsDir)
  .filter((name) => readdirSync(join(connectorsDir, name)).includes('spec.json'))
  .map((name) => {
    const spec = JSON.parse(readFileSync(join(connectorsDir, name, 'spec.json'), 'utf8')) as {
      connectionSpecification: Record<string, unknown>;
    };
    return [name, spec.connectionSpecification] as const;
  });

function outcome(validate: (value: unknown) => unknown, config: unknown): unknown {
  try {
    return { config: validate(config) };
  } catch (error) {
    if (error instanceof ProtocolError) return { error: error.message };
    throw error;
  }
}

describe('generated connector config validators', () => {
  it.each(specs)('%s: generated, and behaves as ajv compiling its spec', (_name, schema) => {
    expect(connectorConfigValidators.has(JSON.stringify(schema))).toBe(true);
    // Same schema, other key order: a text the generated validators do not know, so ajv compiles it.
    const compiled = compileConfigSchema(Object.fromEntries(Object.entries(schema).reverse()));
    const generated = compileConfigSchema(schema);
    const properties = Object.entries((schema.properties ?? {}) as Record<string, { type?: unknown }>);
    const configs: unknown[] = [{}, [], { unknown_field: 1 }];
    for (const [field, property] of properties) {
      // A value of the wrong type for every field, and a string for every field (secrets included).
      configs.push({ [field]: property.type === 'string' ? 42 : 'text' }, { [field]: 'secret-value' });
    }
    for (const config of configs) expect(outcome(generated, config)).toEqual(outcome(compiled, config));
  });
});
