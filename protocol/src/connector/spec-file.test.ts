import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkedSpecs } from '../generated/validators.js';
import type { ConnectorSpecification } from '../types.js';
import { checkSpec } from './spec-file.js';

const connectorsDir = fileURLToPath(new URL('../../../connectors/', import.meta.url));
const specs = readdirSync(connectorsDir)
  .filter((name) => readdirSync(join(connectorsDir, name)).includes('spec.json'))
  .map((name) => [name, readFileSync(join(connectorsDir, name, 'spec.json'), 'utf8')] as const);

describe('checkSpec', () => {
  it.each(specs)('%s: its spec.json was checked when the validators were generated', (_name, text) => {
    expect(checkedSpecs.has(JSON.stringify(JSON.parse(text)))).toBe(true);
  });

  it('still checks any other spec, naming the field and the rule', () => {
    const [, text] = specs[0]!;
    const spec = { ...(JSON.parse(text) as ConnectorSpecification), documentationUrl: 'not a uri' };
    expect(() => checkSpec(spec)).toThrow(expect.objectContaining({ path: '/documentationUrl', rule: 'format' }));
  });

  it('accepts a valid spec it was not given at generation', () => {
    const [, text] = specs[0]!;
    const spec = JSON.parse(text) as ConnectorSpecification;
    const reordered = Object.fromEntries(Object.entries(spec).reverse()) as unknown as ConnectorSpecification;
    expect(checkSpec(reordered)).toBe(reordered);
  });
});
