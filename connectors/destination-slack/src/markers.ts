/**
 * Each message the connector posts carries Slack message metadata naming what it stands
 * for, so the channel itself is the record of what was posted: a later run (or the same
 * run after an unknown outcome) reads it back from conversations.history and edits,
 * deletes or skips instead of posting twice. The metadata is invisible in the channel.
 */
export const RECORD_EVENT = 'backflow_record';
export const DIGEST_EVENT = 'backflow_digest';

export interface RecordMarker {
  /** `namespace.stream` or `stream`. */
  readonly stream: string;
  /** The record's matching-key values as JSON. */
  readonly key: string;
  /** shortHash of the text and blocks last sent; `struck` once struck through. */
  readonly hash: string;
}

export interface DigestMarker {
  readonly stream: string;
  /** shortHash of (key, line) for every line of the digest. */
  readonly entries: readonly string[];
}

export interface SlackMetadata {
  event_type: string;
  event_payload: Record<string, string>;
}

export function recordMetadata(marker: RecordMarker): SlackMetadata {
  return { event_type: RECORD_EVENT, event_payload: { stream: marker.stream, key: marker.key, hash: marker.hash } };
}

export function digestMetadata(marker: DigestMarker): SlackMetadata {
  return { event_type: DIGEST_EVENT, event_payload: { stream: marker.stream, entries: marker.entries.join(' ') } };
}

export function recordMarkerOf(metadata: unknown): RecordMarker | undefined {
  const payload = payloadOf(metadata, RECORD_EVENT);
  if (!payload) return undefined;
  const { stream, key, hash } = payload;
  return typeof stream === 'string' && typeof key === 'string' && typeof hash === 'string'
    ? { stream, key, hash }
    : undefined;
}

export function digestMarkerOf(metadata: unknown): DigestMarker | undefined {
  const payload = payloadOf(metadata, DIGEST_EVENT);
  if (!payload || typeof payload.stream !== 'string' || typeof payload.entries !== 'string') return undefined;
  return { stream: payload.stream, entries: payload.entries.split(' ').filter(Boolean) };
}

function payloadOf(metadata: unknown, eventType: string): Record<string, unknown> | undefined {
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const { event_type: type, event_payload: payload } = metadata as Record<string, unknown>;
  if (type !== eventType || payload === null || typeof payload !== 'object') return undefined;
  return payload as Record<string, unknown>;
}
