import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { protocolSchemas } from '../generated/schemas.js';
import { ANNOTATION_KEYWORDS, protocolSchemaId, sharedAjv } from './shared-ajv.js';

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
    '%s compiles in strict mode and is found by title',
    (title, id) => {
      expect(protocolSchemaId(title)).toBe(id);
      expect(sharedAjv().getSchema(id)).toBeTypeOf('function');
      expect(() => strictAjv.getSchema(id)).not.toThrow();
    },
  );
});
