import type { FakeRequest, FakeResponse, HandlerContext } from './context.js';
import { HttpError, errorBody } from './errors.js';
import type { ObjectTypeDef, PropertyDefinition } from './types.js';

// A fixed timestamp keeps property listings byte-identical across runs.
const DEFINED_AT = '2020-01-01T00:00:00.000Z';

/** `GET /crm/v3/properties/{objectType}`: the type's definitions as `{ results: Property[] }`. */
export function listProperties(_ctx: HandlerContext, type: ObjectTypeDef, request: FakeRequest): FakeResponse {
  // No property of the fake is ever archived.
  if (request.params.get('archived') === 'true') return { status: 200, body: { results: [] } };
  const results = [...type.properties.values()].map((definition, index) => toProperty(type, definition, index));
  return { status: 200, body: { results } };
}

/** `GET /crm/v3/properties/{objectType}/{propertyName}`. */
export function getProperty(_ctx: HandlerContext, type: ObjectTypeDef, name: string): FakeResponse {
  const definition = type.properties.get(name);
  if (!definition) {
    throw new HttpError(
      404,
      errorBody('OBJECT_NOT_FOUND', `Unable to find property ${name} for object type ${type.objectTypeId}`),
    );
  }
  const index = [...type.properties.keys()].indexOf(name);
  return { status: 200, body: toProperty(type, definition, index) };
}

/** The spec's `Property` model with HubSpot's defaults for what a test leaves out. */
function toProperty(type: ObjectTypeDef, definition: PropertyDefinition, index: number): Record<string, unknown> {
  const readOnly = definition.readOnlyValue ?? false;
  return {
    name: definition.name,
    label: definition.label ?? labelFor(definition.name),
    type: definition.type,
    fieldType: definition.fieldType,
    description: '',
    groupName: type.name === 'contacts' ? 'contactinformation' : `${type.name.replace(/s$/, '')}information`,
    options: (definition.options ?? []).map((option, order) => ({
      label: option.label,
      value: option.value,
      displayOrder: order,
      hidden: false,
    })),
    displayOrder: index,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: definition.hasUniqueValue ?? false,
    hidden: false,
    hubspotDefined: definition.hubspotDefined ?? false,
    formField: !readOnly,
    modificationMetadata: {
      archivable: !(definition.hubspotDefined ?? false),
      readOnlyDefinition: definition.hubspotDefined ?? false,
      readOnlyValue: readOnly,
    },
    createdAt: DEFINED_AT,
    updatedAt: DEFINED_AT,
    archived: false,
  };
}

function labelFor(name: string): string {
  return name
    .replace(/^hs_/, '')
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
