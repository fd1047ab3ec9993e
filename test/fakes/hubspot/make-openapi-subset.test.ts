import { describe, expect, test } from 'vitest';
// @ts-expect-error -- a plain ESM script, run by maintainers with node; no type declarations.
import { subsetOf } from './make-openapi-subset.mjs';

// A document in the shape of HubSpot's published files: prose, examples, security lists and
// OpenAPI's `nullable` around the structure the subset keeps.
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const objects = {
  paths: Object.fromEntries(
    ['create', 'update', 'upsert', 'read', 'archive'].map((op) => [
      `/crm/v3/objects/{objectType}/batch/${op}`,
      {
        post: {
          description: 'prose',
          security: [{ private_apps: ['crm.objects.contacts.write'] }],
          requestBody: json(`In${op}`),
          responses:
            op === 'archive'
              ? { '204': { description: 'No content' }, default: { $ref: '#/components/responses/Error' } }
              : { '200': { description: 'ok', ...json('Out') }, default: { $ref: '#/components/responses/Error' } },
        },
      },
    ]),
  ),
  components: {
    schemas: {
      ...Object.fromEntries(
        ['create', 'update', 'upsert', 'read', 'archive'].map((op) => [
          `In${op}`,
          { required: ['inputs'], type: 'object', properties: { inputs: { type: 'array', items: ref('Item') } } },
        ]),
      ),
      Item: {
        required: ['properties'],
        type: 'object',
        description: 'an input',
        example: { properties: { a: '1' } },
        properties: { properties: { type: 'object', additionalProperties: { type: 'string', nullable: true } } },
      },
      Out: { type: 'object', properties: { status: { type: 'string', enum: ['COMPLETE'], description: 'x' } } },
      Error: { required: ['message'], type: 'object', properties: { message: { type: 'string', example: 'e' } } },
      Unused: { type: 'object' },
    },
  },
};
const properties = {
  paths: { '/crm/v3/properties/{objectType}': { get: { responses: { '200': json('Props') } } } },
  components: {
    schemas: {
      Props: { type: 'object', properties: { results: { type: 'array', items: ref('Property') } } },
      Property: { required: ['name'], type: 'object', properties: { name: { type: 'string' } } },
      Error: { required: ['message'], type: 'object', properties: { message: { type: 'string' } } },
    },
  },
};

describe('make-openapi-subset', () => {
  test('keeps the served operations and the structure of the schemas they reach, nothing else', () => {
    const subset = subsetOf({ objects, properties }, { objects: 'objects.json', properties: 'properties.json' });
    expect(subset.operations['POST /crm/v3/objects/{objectType}/batch/archive']).toEqual({
      request: 'Inarchive',
      responses: { '204': null },
    });
    expect(subset.operations['GET /crm/v3/properties/{objectType}']).toEqual({
      request: null,
      responses: { '200': 'Props' },
    });
    expect(Object.keys(subset.components.schemas)).toEqual([
      'Error',
      'Inarchive',
      'Increate',
      'Inread',
      'Inupdate',
      'Inupsert',
      'Item',
      'Out',
      'Property',
      'Props',
    ]);
    expect(subset.components.schemas.Item).toEqual({
      required: ['properties'],
      type: 'object',
      properties: { properties: { type: 'object', additionalProperties: { type: ['string', 'null'] } } },
    });
    expect(JSON.stringify(subset)).not.toMatch(/prose|example|security|description/);
  });

  test('names an operation the spec does not have', () => {
    const broken = { ...objects, paths: {} };
    expect(() => subsetOf({ objects: broken, properties }, { objects: 'objects.json', properties: 'p.json' })).toThrow(
      'objects.json: no POST /crm/v3/objects/{objectType}/batch/create',
    );
  });
});
