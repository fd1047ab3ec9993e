import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectorConfigValidators, schemaValidators } from '../generated/validators.js';
import { ProtocolError } from './protocol-error.js';
import { compileConfigSchema, compileSchema } from './validate.js';

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

describe('generated validator of the connection file schema', () => {
  const schema = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../../runner/schemas/connection.json', import.meta.url)), 'utf8'),
  ) as Record<string, unknown>;

  it('is generated, and behaves as ajv compiling the schema', () => {
    expect(schemaValidators.has(JSON.stringify(schema))).toBe(true);
    const compiled = compileSchema(Object.fromEntries(Object.entries(schema).reverse()));
    const generated = compileSchema(schema);
    const valid = {
      source: { connector: 'source-postgres', config: { password: 'x' } },
      destination: { connector: 'destination-postgres', config: {} },
      streams: [{ name: 'customers', behaviour: 'upsert' }],
    };
    const configs: unknown[] = [
      {},
      valid,
      { ...valid, streams: [] },
      { ...valid, streams: [{ name: 1 }] },
      { ...valid, source: { connector: 7 } },
      { ...valid, extra: true },
      { ...valid, checkpoint_every: -1 },
    ];
    for (const config of configs) expect(outcome(generated, config)).toEqual(outcome(compiled, config));
  });
});
