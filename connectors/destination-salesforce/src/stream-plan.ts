import type { ConfiguredAirbyteStream, SyncBehaviour } from '@backflow/protocol';
import { ConfigError, streamKey } from '@backflow/protocol/connector';
import { fieldOf, ID, type ObjectSchema, type SalesforceField } from './object-schema.js';

/** The behaviours this destination writes; `append` is refused (see planStream). */
export type SalesforceBehaviour = Exclude<SyncBehaviour, 'append'>;

/** How one configured stream is written. */
export interface StreamPlan {
  readonly stream: string;
  readonly schema: ObjectSchema;
  readonly behaviour: SalesforceBehaviour;
  /** The field that identifies a record (an external id, or `Id`); undefined for `insert`. */
  readonly key: string | undefined;
  /** The stream's fields by their name in records, resolved to the object's fields. */
  readonly fields: ReadonlyMap<string, SalesforceField>;
}

const BEHAVIOUR_BY_SYNC_MODE: Readonly<Record<string, SalesforceBehaviour>> = {
  append: 'insert',
  append_dedup: 'upsert',
  update: 'update',
};

/**
 * The plan for a configured stream, refusing at `open()` what Salesforce cannot do: `append`,
 * keys that are neither `Id` nor an external-id field (upsert needs an external id), and
 * fields the object lacks or that the behaviour cannot write (`createable` for insert,
 * `updateable` for update, both for upsert and mirror).
 */
export function planStream(configured: ConfiguredAirbyteStream, schema: ObjectSchema): StreamPlan {
  const stream = streamKey(configured.stream);
  const behaviour = configured.behaviour ?? BEHAVIOUR_BY_SYNC_MODE[configured.destination_sync_mode];
  if (behaviour === 'append')
    throw new ConfigError(
      `stream "${stream}": behaviour append is not supported by Salesforce: its objects are records, not an event log. Use insert to create one record per row, or upsert/mirror to keep one record per key`,
    );
  if (!behaviour)
    throw new ConfigError(
      `stream "${stream}": destination_sync_mode "${configured.destination_sync_mode}" is not supported (use upsert, update, insert or mirror)`,
    );
  const key = behaviour === 'insert' ? undefined : keyOf(configured, stream, behaviour, schema);
  return { stream, schema, behaviour, key, fields: planFields(configured, stream, schema, behaviour, key) };
}

function keyOf(
  configured: ConfiguredAirbyteStream,
  stream: string,
  behaviour: SalesforceBehaviour,
  schema: ObjectSchema,
): string {
  const paths =
    configured.matching_keys ?? configured.primary_key ?? configured.stream.source_defined_primary_key ?? [];
  if (paths.length !== 1 || paths[0]!.length !== 1)
    throw new ConfigError(
      `stream "${stream}": behaviour ${behaviour} needs exactly one matching key naming a Salesforce field (e.g. [["External_Id__c"]]), got ${JSON.stringify(paths)}`,
    );
  const name = paths[0]![0]!;
  if (name.toLowerCase() === 'id') return ID;
  const field = fieldOf(schema, name);
  if (!field)
    throw new ConfigError(`stream "${stream}": matching key "${name}" is not a field of Salesforce ${schema.name}`);
  if (!field.externalId)
    throw new ConfigError(
      `stream "${stream}": Salesforce cannot ${behaviour} ${schema.name} by "${field.name}": records are matched by Id or by an External ID field. Usable here: ${[ID, ...schema.externalIds].join(', ')}`,
    );
  return field.name;
}

function planFields(
  configured: ConfiguredAirbyteStream,
  stream: string,
  schema: ObjectSchema,
  behaviour: SalesforceBehaviour,
  key: string | undefined,
): Map<string, SalesforceField> {
  const names = Object.keys(
    (configured.stream.json_schema.properties as Record<string, unknown> | undefined) ?? {},
  ).filter((name) => !isMetaField(name) && !(key === ID && name.toLowerCase() === 'id'));
  const unknown = names.filter((name) => !fieldOf(schema, name));
  if (unknown.length > 0)
    throw new ConfigError(
      `stream "${stream}": ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a field' : 'are not fields'} of Salesforce ${schema.name} (discover lists them)`,
    );
  const needs =
    behaviour === 'insert' ? ['createable'] : behaviour === 'update' ? ['updateable'] : ['createable', 'updateable'];
  const fields = new Map(names.map((name) => [name, fieldOf(schema, name)!]));
  const closed = [...fields.values()].filter(
    (field) =>
      !(field.name === key && behaviour === 'update') &&
      needs.some((flag) => !field[flag as 'createable' | 'updateable']) &&
      // An upsert key is written on create only; Salesforce matches on it otherwise.
      !(field.name === key && field.createable),
  );
  if (closed.length > 0)
    throw new ConfigError(
      `stream "${stream}": ${closed.map((f) => f.name).join(', ')} of Salesforce ${schema.name} cannot be written by ${behaviour} (the describe says ${needs.map((n) => `${n}: false`).join(' or ')}); remove ${closed.length === 1 ? 'it' : 'them'} from the mapping`,
    );
  return fields;
}

/** Airbyte and Backflow bookkeeping columns (`_ab_cdc_deleted_at`, `_airbyte_…`), never sent. */
export function isMetaField(field: string): boolean {
  return field.startsWith('_ab_') || field.startsWith('_airbyte_');
}
