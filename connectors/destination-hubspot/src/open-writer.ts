import type { ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { InternalError, streamKey, type DestinationWriter } from '@backflow/protocol/connector';
import type { HubSpotApi } from './hubspot-api.js';
import type { ObjectSchema } from './object-schema.js';
import { planStream } from './stream-plan.js';
import { StreamWriter } from './stream-writer.js';

/**
 * Plans every configured stream against its object's properties (one Properties API call per
 * object), so unsupported behaviours, keys and properties fail before any record is sent.
 * A stream writes to its `destination_object_name`, else to the object named like the stream.
 */
export async function openHubSpotWriter(
  api: HubSpotApi,
  catalog: ConfiguredAirbyteCatalog,
): Promise<DestinationWriter> {
  const schemas = new Map<string, ObjectSchema>();
  const writers = new Map<string, StreamWriter>();
  for (const configured of catalog.streams) {
    const objectType = configured.destination_object_name ?? configured.stream.name;
    let schema = schemas.get(objectType);
    if (!schema) {
      schema = await api.objectSchema(objectType);
      schemas.set(objectType, schema);
    }
    writers.set(streamKey(configured.stream), new StreamWriter(planStream(configured, schema), api));
  }
  return {
    async write({ stream, records }) {
      const writer = writers.get(streamKey(stream.stream));
      if (!writer) throw new InternalError(`batch for stream "${streamKey(stream.stream)}", which was not opened`);
      return { rejected: await writer.write(records) };
    },
    async commit() {
      for (const writer of writers.values()) await writer.commit();
    },
  };
}
