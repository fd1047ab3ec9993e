import { describe, expect, it } from 'vitest';
import type { DestinationCatalog } from '@backflow/protocol';
import { ConfigurationError } from '../errors.js';
import { checkMappedFields } from './check-mapping.js';

const catalog: DestinationCatalog = {
  operations: [
    {
      object_name: 'contacts',
      sync_mode: 'append_dedup',
      json_schema: {
        type: 'object',
        properties: { email: {}, address: { type: 'object', properties: { city: {} } }, tags: {} },
      },
    },
  ],
};

describe('checkMappedFields', () => {
  it('accepts listed fields, nested ones, and anything below a field that lists no properties', () => {
    expect(checkMappedFields(catalog, 'contacts', ['email', 'address.city', 'tags.first'], 'f')).toBe(true);
  });

  it('names every unknown field and the known ones', () => {
    expect(() => checkMappedFields(catalog, 'contacts', ['email', 'nickname', 'address.zip'], 'f')).toThrow(
      ConfigurationError,
    );
    expect(() => checkMappedFields(catalog, 'contacts', ['nickname', 'address.zip'], 'f')).toThrow(
      'f: destination object "contacts" has no field "nickname", "address.zip" (it has: email, address, tags)',
    );
  });

  it('says when the destination does not describe the object', () => {
    expect(checkMappedFields(catalog, 'deals', ['anything'], 'f')).toBe(false);
  });
});
