import type { ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { InternalError, streamKey, type DestinationWriter } from '@backflow/protocol/connector';
import type { ObjectSchema } from './object-schema.js';
import type { SalesforceApi } from './salesforce-api.js';
import type { BulkOptions } from './send-bulk.js';
import { planStream } from './stream-plan.js';
import { StreamWriter } from './stream-writer.js';

/**
 * Plans every configured stream against its sObject's describe (one call per object), so
 * unsupported behaviours, keys and fields that cannot be written fail before any record is
 * sent. A stream writes to its `destination_object_name`, else to the object named like the
 * stream. The API usage Salesforce reports is logged at each commit and at the end.
 */
export async function openSalesforceWriter(
  api: SalesforceApi,
  catalog: ConfiguredAirbyteCatalog,
  bulkThreshold: number,
  bulk: BulkOptions,
): Promise<DestinationWriter> {
  const schemas = new Map<string, ObjectSchema>();
  const writers = new Map<string, StreamWriter>();
  for (const configured of catalog.streams) {
    const object = configured.destination_object_name ?? configured.stream.name;
    let schema = schemas.get(object);
    if (!schema) {
      schema = await api.describe(object);
      schemas.set(object, schema);
    }
    writers.set(
      streamKey(configured.stream),
      new StreamWriter(planStream(configured, schema), api, bulkThreshold, bulk),
    );
  }
  return {
    async write({ stream, records }) {
      const writer = writers.get(streamKey(stream.stream));
      if (!writer) throw new InternalError(`batch for stream "${streamKey(stream.stream)}", which was not opened`);
      return { rejected: await writer.write(records) };
    },
    // Every write is applied when `write` returns; the commit only reports the allowance used.
    async commit() {
      api.reportUsage();
    },
    async close() {
      api.reportUsage();
    },
  };
}
