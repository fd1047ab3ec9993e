import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { protocolSchemas } from '../generated/schemas.js';
import { protocolValidators as generated } from '../generated/validators.js';
import { ANNOTATION_KEYWORDS, sharedAjv } from './shared-ajv.js';

// The shared instance tolerates unknown keywords (connectors' schemas are not ours); our own
// schemas are held to strict mode here, so a typo in one fails the build.
const strictAjv = new Ajv({ strict: true, strictTypes: false, strictRequired: false, keywords: ANNOTATION_KEYWORDS });
(addFormats.default as unknown as (ajv: Ajv) => Ajv)(strictAjv);
for (const schema of protocolSchemas) strictAjv.addSchema(schema as Record<string, unknown>);

describe('sharedAjv', () => {
  it('is one instance', () => {
    expect(sharedAjv()).toBe(sharedAjv());
  });

  it.each(protocolSchemas.map((schema) => [String(schema.title), String(schema.$id)]))(
    '%s compiles in strict mode and its generated validator is found by title, file and $id',
    (title, id) => {
      const protocolValidators = generated();
      const validator = protocolValidators[title];
      expect(validator).toBeTypeOf('function');
      expect(protocolValidators[id.slice(id.lastIndexOf('/') + 1)]).toBe(validator);
      expect(protocolValidators[id]).toBe(validator);
      expect(() => strictAjv.getSchema(id)).not.toThrow();
    },
  );
});
