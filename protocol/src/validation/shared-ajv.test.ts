import { describe, expect, it } from 'vitest';
import { protocolSchemas } from '../generated/schemas.js';
import { protocolSchemaId, sharedAjv } from './shared-ajv.js';

describe('sharedAjv', () => {
  it('is one instance', () => {
    expect(sharedAjv()).toBe(sharedAjv());
  });

  it.each(protocolSchemas.map((schema) => [String(schema.title), String(schema.$id)]))(
    '%s compiles in strict mode and is found by title',
    (title, id) => {
      expect(protocolSchemaId(title)).toBe(id);
      expect(sharedAjv().getSchema(id)).toBeTypeOf('function');
    },
  );
});
