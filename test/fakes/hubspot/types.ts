/** Property value types HubSpot supports on CRM properties (`type` in the Properties API). */
export type PropertyType = 'string' | 'number' | 'bool' | 'enumeration' | 'date' | 'datetime';

/** How a property is shown in HubSpot's UI (`fieldType` in the Properties API). */
export type FieldType =
  | 'text'
  | 'textarea'
  | 'phonenumber'
  | 'number'
  | 'booleancheckbox'
  | 'select'
  | 'radio'
  | 'checkbox'
  | 'date'
  | 'calculation_equation';

export interface PropertyOption {
  label: string;
  value: string;
}

/** A property definition as a test configures it; omitted fields get HubSpot's defaults. */
export interface PropertyDefinition {
  name: string;
  type: PropertyType;
  fieldType: FieldType;
  label?: string;
  options?: PropertyOption[];
  hasUniqueValue?: boolean;
  /** Set for properties HubSpot computes (hs_object_id, createdate, ...): writes are rejected. */
  readOnlyValue?: boolean;
  hubspotDefined?: boolean;
}

/** A custom object type configured for one fake. */
export interface CustomObjectDefinition {
  /** Schema name, e.g. `vehicles`; the object is also reachable as `p{portalId}_{name}`. */
  name: string;
  /** Defaults to `2-1000001`. */
  objectTypeId?: string;
  properties: PropertyDefinition[];
}

export type StandardObjectType = 'contacts' | 'companies' | 'deals';

export type BatchOperation = 'create' | 'update' | 'upsert' | 'read' | 'archive';

export interface ObjectTypeDef {
  /** Canonical name used in the store and in `calls`: `contacts`, `companies`, `deals` or the custom name. */
  name: string;
  objectTypeId: string;
  /** Names accepted in URL paths (plural, singular, objectTypeId, fully qualified name). */
  aliases: string[];
  /** Upper-case label HubSpot uses in messages, e.g. `CONTACT`. */
  messageLabel: string;
  properties: Map<string, PropertyDefinition>;
  /** Properties returned when a read names none. */
  defaultProperties: string[];
  lastModifiedProperty: string;
}

export interface StoredRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
}
