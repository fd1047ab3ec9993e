import type { ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { InternalError, streamKey, type DestinationWriter } from '@backflow/protocol/connector';
import type { JobOptions } from './jobs.js';
import { Lookups } from './lookups.js';
import type { ObjectName } from './objects.js';
import { objectSchema, type ObjectSchema } from './schema.js';
import { objectNameOf, planStream } from './stream-plan.js';
import { StreamWriter } from './stream-writer.js';
import type { ZendeskClient } from './zendesk-client.js';

/**
 * Plans every configured stream against its object's fields (one custom-field listing per
 * object), so unsupported behaviours, keys and fields fail before any record is sent. Every
 * write is a finished bulk job by the time `write` returns, so there is nothing to commit.
 */
export async function openZendeskWriter(
  client: ZendeskClient,
  catalog: ConfiguredAirbyteCatalog,
  jobs: JobOptions,
): Promise<DestinationWriter> {
  const schemas = new Map<ObjectName, ObjectSchema>();
  const lookups = new Lookups(client);
  const writers = new Map<string, StreamWriter>();
  for (const configured of catalog.streams) {
    const name = objectNameOf(configured);
    let schema = schemas.get(name);
    if (!schema) {
      schema = await objectSchema(client, name);
      schemas.set(name, schema);
    }
    writers.set(streamKey(configured.stream), new StreamWriter(planStream(configured, schema), client, lookups, jobs));
  }
  return {
    async write({ stream, records }) {
      const writer = writers.get(streamKey(stream.stream));
      if (!writer) throw new InternalError(`batch for stream "${streamKey(stream.stream)}", which was not opened`);
      return { rejected: await writer.write(records) };
    },
  };
}
