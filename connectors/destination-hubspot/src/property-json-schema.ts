import type { HubSpotProperty } from './object-schema.js';

/**
 * The JSON Schema of the values a property accepts, in Backflow's value representation
 * (protocol/docs/types.md); every property is nullable, as `null` clears it.
 */
export function jsonSchemaOf(property: HubSpotProperty): Record<string, unknown> {
  const annotations = {
    title: property.label,
    description: `HubSpot ${property.type} property (${property.fieldType})${property.description ? `: ${property.description}` : ''}`,
  };
  const options = property.externalOptions ? [] : property.options.map((option) => option.value);
  switch (property.type) {
    case 'number':
      return { ...annotations, type: ['null', 'number', 'string'] };
    case 'bool':
      return { ...annotations, type: ['null', 'boolean'] };
    case 'date':
      return { ...annotations, type: ['null', 'string'], format: 'date' };
    case 'datetime':
      return { ...annotations, type: ['null', 'string'], format: 'date-time' };
    case 'enumeration':
      if (property.fieldType === 'checkbox') {
        return {
          ...annotations,
          type: ['null', 'array', 'string'],
          items: options.length > 0 ? { type: 'string', enum: options } : { type: 'string' },
        };
      }
      return options.length > 0
        ? { ...annotations, type: ['null', 'string'], enum: [null, ...options] }
        : { ...annotations, type: ['null', 'string'] };
    default:
      return { ...annotations, type: ['null', 'string'] };
  }
}
