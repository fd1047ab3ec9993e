import type {
  CustomObjectDefinition,
  ObjectTypeDef,
  PropertyDefinition,
  PropertyOption,
  StandardObjectType,
} from './types.js';

const options = (...values: string[]): PropertyOption[] => values.map((value) => ({ label: value, value }));

const string = (name: string, extra: Partial<PropertyDefinition> = {}): PropertyDefinition => ({
  name,
  type: 'string',
  fieldType: 'text',
  ...extra,
});
const number = (name: string, extra: Partial<PropertyDefinition> = {}): PropertyDefinition => ({
  name,
  type: 'number',
  fieldType: 'number',
  ...extra,
});
const readOnly = { readOnlyValue: true, hubspotDefined: true } as const;
const hubspot = { hubspotDefined: true } as const;

// Custom properties shared by the standard objects: one unique key for idProperty tests and one
// of each value type the validator distinguishes.
const customProperties = (): PropertyDefinition[] => [
  string('external_id', { hasUniqueValue: true }),
  { name: 'is_vip', type: 'bool', fieldType: 'booleancheckbox', options: options('true', 'false') },
  { name: 'signup_date', type: 'date', fieldType: 'date' },
  { name: 'last_seen_at', type: 'datetime', fieldType: 'date' },
  {
    name: 'interests',
    type: 'enumeration',
    fieldType: 'checkbox',
    options: options('analytics', 'crm', 'marketing'),
  },
];

/**
 * HubSpot-defined properties the fake starts with, a subset of what a real portal lists.
 * Contacts' `email` is unique but, as in HubSpot, not flagged `hasUniqueValue`: uniqueness of
 * email is enforced by the contacts store itself.
 */
export function defaultProperties(): Record<StandardObjectType, PropertyDefinition[]> {
  return {
    contacts: [
      number('hs_object_id', readOnly),
      { name: 'createdate', type: 'datetime', fieldType: 'date', ...hubspot },
      { name: 'lastmodifieddate', type: 'datetime', fieldType: 'date', ...readOnly },
      string('email', hubspot),
      string('firstname', hubspot),
      string('lastname', hubspot),
      string('phone', { fieldType: 'phonenumber', ...hubspot }),
      string('company', hubspot),
      {
        name: 'lifecyclestage',
        type: 'enumeration',
        fieldType: 'radio',
        options: options(
          'subscriber',
          'lead',
          'marketingqualifiedlead',
          'salesqualifiedlead',
          'opportunity',
          'customer',
          'evangelist',
          'other',
        ),
        ...hubspot,
      },
      number('lifetime_value'),
      number('health_score'),
      ...customProperties(),
    ],
    companies: [
      number('hs_object_id', readOnly),
      { name: 'createdate', type: 'datetime', fieldType: 'date', ...hubspot },
      { name: 'hs_lastmodifieddate', type: 'datetime', fieldType: 'date', ...readOnly },
      string('name', hubspot),
      string('domain', hubspot),
      string('phone', { fieldType: 'phonenumber', ...hubspot }),
      string('city', hubspot),
      {
        name: 'industry',
        type: 'enumeration',
        fieldType: 'select',
        options: options('COMPUTER_SOFTWARE', 'FINANCIAL_SERVICES', 'RETAIL', 'HOSPITAL_HEALTH_CARE'),
        ...hubspot,
      },
      number('numberofemployees', hubspot),
      number('annualrevenue', hubspot),
      ...customProperties(),
    ],
    deals: [
      number('hs_object_id', readOnly),
      { name: 'createdate', type: 'datetime', fieldType: 'date', ...hubspot },
      { name: 'hs_lastmodifieddate', type: 'datetime', fieldType: 'date', ...readOnly },
      string('dealname', hubspot),
      number('amount', hubspot),
      {
        name: 'dealstage',
        type: 'enumeration',
        fieldType: 'radio',
        options: options(
          'appointmentscheduled',
          'qualifiedtobuy',
          'presentationscheduled',
          'decisionmakerboughtin',
          'contractsent',
          'closedwon',
          'closedlost',
        ),
        ...hubspot,
      },
      { name: 'pipeline', type: 'enumeration', fieldType: 'select', options: options('default'), ...hubspot },
      { name: 'closedate', type: 'datetime', fieldType: 'date', ...hubspot },
      ...customProperties(),
    ],
  };
}

const STANDARD: Record<
  StandardObjectType,
  Pick<ObjectTypeDef, 'objectTypeId' | 'messageLabel' | 'defaultProperties' | 'lastModifiedProperty'> & {
    singular: string;
  }
> = {
  contacts: {
    singular: 'contact',
    objectTypeId: '0-1',
    messageLabel: 'CONTACT',
    defaultProperties: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
    lastModifiedProperty: 'lastmodifieddate',
  },
  companies: {
    singular: 'company',
    objectTypeId: '0-2',
    messageLabel: 'COMPANY',
    defaultProperties: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
    lastModifiedProperty: 'hs_lastmodifieddate',
  },
  deals: {
    singular: 'deal',
    objectTypeId: '0-3',
    messageLabel: 'DEAL',
    defaultProperties: [
      'amount',
      'closedate',
      'createdate',
      'dealname',
      'dealstage',
      'hs_lastmodifieddate',
      'hs_object_id',
      'pipeline',
    ],
    lastModifiedProperty: 'hs_lastmodifieddate',
  },
};

/** Object types a fake serves, with their property definitions; resolves the names used in paths. */
export class SchemaRegistry {
  private readonly types: ObjectTypeDef[] = [];

  constructor(
    readonly portalId: number,
    properties: Record<StandardObjectType, PropertyDefinition[]>,
    customObject?: CustomObjectDefinition,
  ) {
    for (const name of Object.keys(STANDARD) as StandardObjectType[]) {
      const meta = STANDARD[name];
      this.types.push({
        name,
        objectTypeId: meta.objectTypeId,
        aliases: [name, meta.singular, meta.objectTypeId],
        messageLabel: meta.messageLabel,
        properties: byName(properties[name]),
        defaultProperties: meta.defaultProperties,
        lastModifiedProperty: meta.lastModifiedProperty,
      });
    }
    if (customObject) this.types.push(this.customType(customObject));
  }

  /** Resolves a path segment (`contacts`, `contact`, `0-1`, `2-1000001`, `p123_vehicles`, ...). */
  resolve(objectType: string): ObjectTypeDef | undefined {
    const wanted = objectType.toLowerCase();
    return this.types.find((type) => type.aliases.includes(wanted));
  }

  all(): readonly ObjectTypeDef[] {
    return this.types;
  }

  private customType(custom: CustomObjectDefinition): ObjectTypeDef {
    const objectTypeId = custom.objectTypeId ?? '2-1000001';
    const system: PropertyDefinition[] = [
      number('hs_object_id', readOnly),
      { name: 'hs_createdate', type: 'datetime', fieldType: 'date', ...readOnly },
      { name: 'hs_lastmodifieddate', type: 'datetime', fieldType: 'date', ...readOnly },
    ];
    return {
      name: custom.name,
      objectTypeId,
      aliases: [custom.name.toLowerCase(), objectTypeId, `p${this.portalId}_${custom.name}`.toLowerCase()],
      messageLabel: objectTypeId,
      properties: byName([...system, ...custom.properties]),
      defaultProperties: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
      lastModifiedProperty: 'hs_lastmodifieddate',
    };
  }
}

function byName(definitions: PropertyDefinition[]): Map<string, PropertyDefinition> {
  return new Map(definitions.map((definition) => [definition.name, definition]));
}

/** The property each type stamps with its creation time. */
export function createdProperty(type: ObjectTypeDef): string {
  return type.properties.has('hs_createdate') && !type.properties.has('createdate') ? 'hs_createdate' : 'createdate';
}
