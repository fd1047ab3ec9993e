import { createHmac } from 'node:crypto';
import type { Batch } from '@backflow/protocol/connector';

/**
 * The JSON body of one POST: the stream, its behaviour when the catalog sets one, and the
 * records with their operation (`upsert` or `delete`) and matching-key values.
 *
 * `{"stream":"users","behaviour":"mirror","records":[{"operation":"upsert","key":{"id":1},"data":{"id":1,"name":"Ada"}}]}`
 */
export function webhookBody(stream: Batch['stream'], records: Batch['records']): string {
  return JSON.stringify({
    stream: stream.stream.name,
    ...(stream.stream.namespace ? { namespace: stream.stream.namespace } : {}),
    ...(stream.behaviour ? { behaviour: stream.behaviour } : {}),
    records: records.map(({ operation, key, data }) => ({ operation, key, data })),
  });
}

/** `sha256=<hex HMAC-SHA256 of the exact bytes sent>`, as GitHub signs its webhooks. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
