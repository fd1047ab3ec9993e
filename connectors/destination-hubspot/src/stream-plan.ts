import type { ConfiguredAirbyteStream, SyncBehaviour } from '@backflow/protocol';
import { ConfigError, streamKey } from '@backflow/protocol/connector';
import { OBJECT_ID, type ObjectSchema } from './object-schema.js';

/** The behaviours this destination writes; `append` is refused (see planStream). */
export type HubSpotBehaviour = Exclude<SyncBehaviour, 'append'>;

/**
 * How `update` finds records: by HubSpot id (`hs_object_id`), by a `hasUniqueValue` property
 * named as `idProperty` in the batch update itself, or, for contacts' email (which batch
 * update refuses as idProperty), by reading the ids with a batch read first.
 */
export type UpdateLookup = 'object-id' | 'id-property' | 'read-first';

/** How one configured stream is written. */
export interface StreamPlan {
  readonly stream: string;
  readonly schema: ObjectSchema;
  readonly behaviour: HubSpotBehaviour;
  /** The HubSpot property that identifies a record; undefined for `insert`. */
  readonly key: string | undefined;
  readonly updateLookup: UpdateLookup | undefined;
}

/** Airbyte sync modes read as behaviours, for catalogs without `behaviour`. */
const BEHAVIOUR_BY_SYNC_MODE: Readonly<Record<string, HubSpotBehaviour>> = {
  append: 'insert',
  append_dedup: 'upsert',
  update: 'update',
};

/**
 * The plan for a configured stream, refusing at `open()` what HubSpot cannot do: `append`
 * (objects are not an event log), keys HubSpot cannot match on, and properties the object
 * does not have or does not let anyone write.
 */
export function planStream(configured: ConfiguredAirbyteStream, schema: ObjectSchema): StreamPlan {
  const stream = streamKey(configured.stream);
  const object = schema.objectType;
  const behaviour = configured.behaviour ?? BEHAVIOUR_BY_SYNC_MODE[configured.destination_sync_mode];
  if (behaviour === 'append') {
    throw new ConfigError(
      `stream "${stream}": behaviour append is not supported by HubSpot: its objects are records, not an event log. ` +
        'Use insert to create one record per row, or upsert/mirror to keep one record per key',
    );
  }
  if (!behaviour) {
    throw new ConfigError(
      `stream "${stream}": destination_sync_mode "${configured.destination_sync_mode}" is not supported (use upsert, update, insert or mirror)`,
    );
  }
  const key = behaviour === 'insert' ? undefined : keyOf(configured, stream, behaviour);
  let updateLookup: UpdateLookup | undefined;
  if (key !== undefined) {
    if (key !== OBJECT_ID && !schema.properties.has(key)) {
      throw new ConfigError(`stream "${stream}": matching key "${key}" is not a property of HubSpot ${object}`);
    }
    if (behaviour === 'update') {
      updateLookup =
        key === OBJECT_ID
          ? 'object-id'
          : schema.updateKeys.includes(key)
            ? 'id-property'
            : schema.upsertKeys.includes(key)
              ? 'read-first'
              : undefined;
    }
    if (behaviour === 'update' ? updateLookup === undefined : !schema.upsertKeys.includes(key)) {
      const allowed = behaviour === 'update' ? [OBJECT_ID, ...schema.upsertKeys] : schema.upsertKeys;
      throw new ConfigError(
        `stream "${stream}": HubSpot cannot ${behaviour} ${object} by "${key}": records are matched only by a property with unique values ` +
          `(hasUniqueValue${schema.isContacts ? ', or email for contacts' : ''}). Usable here: ${allowed.join(', ') || 'none; create a unique property in HubSpot'}`,
      );
    }
  }
  checkSchemaProperties(configured, stream, schema, key);
  return { stream, schema, behaviour, key, updateLookup };
}

function keyOf(configured: ConfiguredAirbyteStream, stream: string, behaviour: HubSpotBehaviour): string {
  const paths =
    configured.matching_keys ?? configured.primary_key ?? configured.stream.source_defined_primary_key ?? [];
  if (paths.length !== 1 || paths[0]!.length !== 1) {
    throw new ConfigError(
      `stream "${stream}": behaviour ${behaviour} needs exactly one matching key naming a HubSpot property (e.g. [["email"]]), got ${JSON.stringify(paths)}`,
    );
  }
  return paths[0]![0]!;
}

// The stream's fields are the HubSpot properties it maps to: a typo fails here, not per record.
function checkSchemaProperties(
  configured: ConfiguredAirbyteStream,
  stream: string,
  schema: ObjectSchema,
  key: string | undefined,
): void {
  const fields = Object.keys(
    (configured.stream.json_schema.properties as Record<string, unknown> | undefined) ?? {},
  ).filter((field) => !isMetaField(field) && !(field === OBJECT_ID && key === OBJECT_ID));
  const unknown = fields.filter((field) => !schema.properties.has(field));
  if (unknown.length > 0) {
    throw new ConfigError(
      `stream "${stream}": ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a property' : 'are not properties'} of HubSpot ${schema.objectType} (discover lists them)`,
    );
  }
  const readOnly = fields.filter((field) => schema.properties.get(field)!.readOnly);
  if (readOnly.length > 0) {
    throw new ConfigError(
      `stream "${stream}": HubSpot computes ${readOnly.join(', ')} on ${schema.objectType}; ${readOnly.length === 1 ? 'it cannot' : 'they cannot'} be written`,
    );
  }
}

/** Airbyte and Backflow bookkeeping columns (`_ab_cdc_deleted_at`, `_airbyte_…`), never sent. */
export function isMetaField(field: string): boolean {
  return field.startsWith('_ab_') || field.startsWith('_airbyte_');
}
