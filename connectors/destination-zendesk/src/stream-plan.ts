import type { ConfiguredAirbyteStream, SyncBehaviour } from '@backflow/protocol';
import { behaviourOf, matchingKeyPaths } from '@backflow/protocol';
import { ConfigError, streamKey } from '@backflow/protocol/connector';
import { ID, OBJECTS, type ObjectName } from './objects.js';
import type { ObjectSchema } from './schema.js';

export type ZendeskBehaviour = Exclude<SyncBehaviour, 'append'>;

/** How one configured stream is written. */
export interface StreamPlan {
  readonly stream: string;
  readonly schema: ObjectSchema;
  readonly behaviour: ZendeskBehaviour;
  /** The field that identifies a record; undefined for `insert`. */
  readonly key: string | undefined;
}

/** The object a stream writes: its `destination_object_name`, else its name. */
export function objectNameOf(configured: ConfiguredAirbyteStream): ObjectName {
  const name = configured.destination_object_name ?? configured.stream.name;
  if (!(name in OBJECTS)) {
    throw new ConfigError(
      `stream "${streamKey(configured.stream)}": Zendesk object "${name}" is not supported (use users, organizations or tickets)`,
    );
  }
  return name as ObjectName;
}

/**
 * The plan for a configured stream, refusing at `open()` what Zendesk cannot do: `append`
 * (users, organizations and tickets are records, not an event log), keys Zendesk cannot match
 * on, and fields the object does not have.
 */
export function planStream(configured: ConfiguredAirbyteStream, schema: ObjectSchema): StreamPlan {
  const stream = streamKey(configured.stream);
  const object = schema.object;
  const behaviour =
    configured.behaviour ?? (configured.destination_sync_mode === 'append' ? 'insert' : behaviourOf(configured));
  if (behaviour === 'append') {
    throw new ConfigError(
      `stream "${stream}": behaviour append is not supported by Zendesk: ${object.name} are records, not an event log. ` +
        'Use insert to create one per row, or upsert/mirror to keep one per key',
    );
  }
  if (!behaviour) {
    throw new ConfigError(
      `stream "${stream}": destination_sync_mode "${configured.destination_sync_mode}" is not supported (use upsert, update, insert or mirror)`,
    );
  }
  let key: string | undefined;
  if (behaviour !== 'insert') {
    const paths = matchingKeyPaths(configured);
    if (paths.length !== 1 || paths[0]!.length !== 1) {
      throw new ConfigError(
        `stream "${stream}": behaviour ${behaviour} needs exactly one matching key (${object.upsertKeys.join(' or ')}), got ${JSON.stringify(paths)}`,
      );
    }
    key = paths[0]![0]!;
    const allowed = behaviour === 'update' ? [ID, ...object.upsertKeys] : object.upsertKeys;
    if (!allowed.includes(key)) {
      throw new ConfigError(
        `stream "${stream}": Zendesk cannot ${behaviour} ${object.name} by "${key}"; usable keys: ${allowed.join(', ')}`,
      );
    }
  }
  checkFields(configured, stream, schema, key);
  return { stream, schema, behaviour, key };
}

// The stream's fields are the Zendesk fields it maps to: a typo fails here, not per record.
function checkFields(
  configured: ConfiguredAirbyteStream,
  stream: string,
  schema: ObjectSchema,
  key: string | undefined,
): void {
  const properties = (configured.stream.json_schema.properties ?? {}) as Record<string, { properties?: object }>;
  const unknown: string[] = [];
  for (const [field, fieldSchema] of Object.entries(properties)) {
    if (isMetaField(field) || (field === ID && key === ID)) continue;
    if (field === schema.object.customFields) {
      for (const custom of Object.keys(fieldSchema.properties ?? {}))
        if (!schema.customFields.has(custom)) unknown.push(`${field}.${custom}`);
    } else if (!(field in schema.object.fields)) unknown.push(field);
  }
  if (unknown.length > 0) {
    throw new ConfigError(
      `stream "${stream}": ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a field' : 'are not fields'} of Zendesk ${schema.object.name} (discover lists them)`,
    );
  }
}

/** Airbyte and Backflow bookkeeping columns (`_ab_cdc_deleted_at`, `_airbyte_…`), never sent. */
export function isMetaField(field: string): boolean {
  return field.startsWith('_ab_') || field.startsWith('_airbyte_');
}
