import type { Batch, JsonTemplate, Rejection } from '@backflow/protocol/connector';
import { webhookBody } from './payload.js';
import { BatchRefused, type WebhookClient } from './webhook-client.js';

/**
 * Delivers a batch in POSTs of `batchSize` records. When the endpoint refuses a POST for its
 * content, the POST is halved until the refused records stand alone; they are rejected with
 * the endpoint's reason, the others delivered. (This is the SDK's BatchRejectedError halving,
 * done here per POST: thrown to the SDK, it would resend the POSTs of the batch already
 * delivered.) Costs O(bad × log batchSize) extra requests, only on refusals.
 */
export async function deliverBatch(client: WebhookClient, batch: Batch, batchSize: number): Promise<Rejection[]> {
  const rejected: Rejection[] = [];
  for (let start = 0; start < batch.records.length; start += batchSize) {
    rejected.push(...(await deliverIsolating(client, batch, start, Math.min(batch.records.length, start + batchSize))));
  }
  return rejected;
}

async function deliverIsolating(client: WebhookClient, batch: Batch, from: number, to: number): Promise<Rejection[]> {
  const what = `POST of ${to - from} ${batch.stream.stream.name} record(s)`;
  try {
    await client.post(webhookBody(batch.stream, batch.records.slice(from, to)), what);
    return [];
  } catch (error) {
    if (!(error instanceof BatchRefused)) throw error;
    if (to - from === 1) return [{ index: from, reason: error.message, retryable: false }];
    const middle = from + Math.ceil((to - from) / 2);
    return [
      ...(await deliverIsolating(client, batch, from, middle)),
      ...(await deliverIsolating(client, batch, middle, to)),
    ];
  }
}

/**
 * Delivers a batch one record per request, each body built from the record by the
 * configured templates (`deleteTemplate` for records removed under mirror). A refused
 * request rejects its record with the endpoint's reason; the others are delivered.
 */
export async function deliverEach(
  client: WebhookClient,
  batch: Batch,
  template: JsonTemplate,
  deleteTemplate: JsonTemplate | undefined,
): Promise<Rejection[]> {
  const rejected: Rejection[] = [];
  const name = batch.stream.stream.name;
  for (const [index, record] of batch.records.entries()) {
    const body = record.operation === 'delete' ? deleteTemplate : template;
    if (body === undefined) {
      rejected.push({
        index,
        reason: 'a delete needs config.delete_body_template, which is not set',
        retryable: false,
      });
      continue;
    }
    try {
      await client.post(JSON.stringify(body.render(record.data)), `POST of ${name} record ${index + 1}`);
    } catch (error) {
      if (!(error instanceof BatchRefused)) throw error;
      rejected.push({ index, reason: error.message, retryable: false });
    }
  }
  return rejected;
}
