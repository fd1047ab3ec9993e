/** A field of a fake sObject, with the describe attributes the REST API reports. */
export interface FieldDefinition {
  name: string;
  label?: string;
  /** Salesforce's field type: id, string, email, phone, url, textarea, picklist, multipicklist, boolean, int, double, currency, percent, date, datetime, reference. */
  type: string;
  length?: number;
  precision?: number;
  scale?: number;
  createable?: boolean;
  updateable?: boolean;
  nillable?: boolean;
  defaultedOnCreate?: boolean;
  externalId?: boolean;
  unique?: boolean;
  idLookup?: boolean;
  /** Picklist values; `restrictedPicklist` refuses others. */
  picklistValues?: string[];
  restrictedPicklist?: boolean;
  /** For `reference` fields: the objects the field may point at. */
  referenceTo?: string[];
}

/** A fake sObject: name, key prefix (first three characters of its record ids) and fields. */
export interface ObjectDefinition {
  name: string;
  keyPrefix: string;
  custom?: boolean;
  fields: FieldDefinition[];
}

const SYSTEM: FieldDefinition[] = [
  {
    name: 'Id',
    type: 'id',
    length: 18,
    createable: false,
    updateable: false,
    nillable: false,
    defaultedOnCreate: true,
    idLookup: true,
  },
  {
    name: 'IsDeleted',
    type: 'boolean',
    createable: false,
    updateable: false,
    nillable: false,
    defaultedOnCreate: true,
  },
  {
    name: 'CreatedDate',
    type: 'datetime',
    createable: false,
    updateable: false,
    nillable: false,
    defaultedOnCreate: true,
  },
  {
    name: 'LastModifiedDate',
    type: 'datetime',
    createable: false,
    updateable: false,
    nillable: false,
    defaultedOnCreate: true,
  },
  {
    name: 'SystemModstamp',
    type: 'datetime',
    createable: false,
    updateable: false,
    nillable: false,
    defaultedOnCreate: true,
  },
];

const text = (name: string, length: number, extra: Partial<FieldDefinition> = {}): FieldDefinition => ({
  name,
  type: 'string',
  length,
  ...extra,
});
const externalKey = (name: string): FieldDefinition =>
  text(name, 255, { externalId: true, unique: true, idLookup: true });

/** The standard objects the fake serves (a subset of their fields) and one custom object, `Foo__c`. */
export function defaultObjects(): ObjectDefinition[] {
  return [
    {
      name: 'Account',
      keyPrefix: '001',
      fields: [
        ...SYSTEM,
        text('Name', 255, { nillable: false }),
        text('AccountNumber', 40),
        { name: 'Industry', type: 'picklist', picklistValues: ['Agriculture', 'Banking', 'Technology', 'Retail'] },
        { name: 'AnnualRevenue', type: 'currency', precision: 18, scale: 0 },
        { name: 'NumberOfEmployees', type: 'int', precision: 8 },
        { name: 'Website', type: 'url', length: 255 },
        externalKey('External_Id__c'),
        { name: 'Health_Score__c', type: 'double', precision: 5, scale: 2 },
        { name: 'Lifetime_Value__c', type: 'currency', precision: 16, scale: 2 },
      ],
    },
    {
      name: 'Contact',
      keyPrefix: '003',
      fields: [
        ...SYSTEM,
        text('FirstName', 40),
        text('LastName', 80, { nillable: false }),
        { name: 'Email', type: 'email', length: 80, idLookup: true },
        { name: 'Phone', type: 'phone', length: 40 },
        { name: 'Birthdate', type: 'date' },
        { name: 'AccountId', type: 'reference', referenceTo: ['Account'], idLookup: false },
        { name: 'HasOptedOutOfEmail', type: 'boolean', nillable: false, defaultedOnCreate: true },
        {
          name: 'LeadSource',
          type: 'picklist',
          picklistValues: ['Web', 'Phone Inquiry', 'Partner Referral', 'Other'],
        },
        externalKey('External_Id__c'),
        {
          name: 'Plan__c',
          type: 'picklist',
          picklistValues: ['free', 'pro', 'team', 'enterprise'],
          restrictedPicklist: true,
        },
        { name: 'Health_Score__c', type: 'double', precision: 6, scale: 2 },
        { name: 'Signed_Up__c', type: 'date' },
        { name: 'Name', type: 'string', length: 121, createable: false, updateable: false },
      ],
    },
    {
      name: 'Lead',
      keyPrefix: '00Q',
      fields: [
        ...SYSTEM,
        text('FirstName', 40),
        text('LastName', 80, { nillable: false }),
        text('Company', 255, { nillable: false }),
        { name: 'Email', type: 'email', length: 80, idLookup: true },
        {
          name: 'Status',
          type: 'picklist',
          picklistValues: ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted'],
          restrictedPicklist: true,
          nillable: false,
          defaultedOnCreate: true,
        },
        externalKey('External_Id__c'),
      ],
    },
    {
      name: 'Opportunity',
      keyPrefix: '006',
      fields: [
        ...SYSTEM,
        text('Name', 120, { nillable: false }),
        {
          name: 'StageName',
          type: 'picklist',
          picklistValues: ['Prospecting', 'Qualification', 'Closed Won', 'Closed Lost'],
          restrictedPicklist: true,
          nillable: false,
        },
        { name: 'CloseDate', type: 'date', nillable: false },
        { name: 'Amount', type: 'currency', precision: 18, scale: 2 },
        { name: 'AccountId', type: 'reference', referenceTo: ['Account'] },
        externalKey('External_Id__c'),
      ],
    },
    {
      name: 'Foo__c',
      keyPrefix: 'a00',
      custom: true,
      fields: [
        ...SYSTEM,
        text('Name', 80, { nillable: true, defaultedOnCreate: true }),
        externalKey('Key__c'),
        { name: 'Score__c', type: 'double', precision: 10, scale: 2 },
        { name: 'Active__c', type: 'boolean', nillable: false, defaultedOnCreate: true },
        { name: 'Seen_At__c', type: 'datetime' },
        { name: 'Tags__c', type: 'multipicklist', picklistValues: ['a', 'b', 'c'], restrictedPicklist: true },
      ],
    },
  ];
}

/** A field with every describe attribute filled in, as the fake serves it. */
export function fieldWithDefaults(
  field: FieldDefinition,
): Required<Omit<FieldDefinition, 'picklistValues' | 'referenceTo'>> &
  Pick<FieldDefinition, 'picklistValues' | 'referenceTo'> {
  return {
    label: field.name.replace(/__c$/, '').replace(/_/g, ' '),
    length: 0,
    precision: 0,
    scale: 0,
    createable: true,
    updateable: true,
    nillable: true,
    defaultedOnCreate: false,
    externalId: false,
    unique: false,
    idLookup: false,
    restrictedPicklist: false,
    ...field,
  };
}

/** The `GET /sobjects/{name}/describe` body (the attributes Salesforce documents for DescribeSObjectResult and Field). */
export function describeBody(object: ObjectDefinition, version: string): unknown {
  return {
    name: object.name,
    label: object.name.replace(/__c$/, ''),
    keyPrefix: object.keyPrefix,
    custom: object.custom ?? false,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    urls: {
      sobject: `/services/data/v${version}/sobjects/${object.name}`,
      describe: `/services/data/v${version}/sobjects/${object.name}/describe`,
    },
    fields: object.fields.map((raw) => {
      const field = fieldWithDefaults(raw);
      return {
        name: field.name,
        label: field.label,
        type: field.type,
        soapType: soapTypeOf(field.type),
        length: field.length,
        precision: field.precision,
        scale: field.scale,
        createable: field.createable,
        updateable: field.updateable,
        nillable: field.nillable,
        defaultedOnCreate: field.defaultedOnCreate,
        externalId: field.externalId,
        unique: field.unique,
        idLookup: field.idLookup,
        custom: field.name.endsWith('__c'),
        restrictedPicklist: field.restrictedPicklist,
        picklistValues: (field.picklistValues ?? []).map((value) => ({
          active: true,
          defaultValue: false,
          label: value,
          validFor: null,
          value,
        })),
        referenceTo: field.referenceTo ?? [],
        relationshipName: field.type === 'reference' ? field.name.replace(/Id$/, '') : null,
      };
    }),
  };
}

function soapTypeOf(type: string): string {
  switch (type) {
    case 'id':
    case 'reference':
      return 'tns:ID';
    case 'boolean':
      return 'xsd:boolean';
    case 'int':
      return 'xsd:int';
    case 'double':
    case 'currency':
    case 'percent':
      return 'xsd:double';
    case 'date':
      return 'xsd:date';
    case 'datetime':
      return 'xsd:dateTime';
    default:
      return 'xsd:string';
  }
}
