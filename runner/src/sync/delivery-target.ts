import { createHash } from 'node:crypto';
import { streamKey } from '@backflow/protocol/connector';
import type { FieldMapping } from '../generated/connection.js';
import type { StreamName } from './stream-names.js';

/**
 * Where a stream's rows were delivered, as one readable text: the destination object, the
 * stream name the destination received, and the mapping (by a hash of its canonical form).
 * Fingerprints say what this target holds; when the text changes, they say nothing about the
 * new target, so the stream is sent to it in full.
 */
export function deliveryTarget(
  object: string,
  stream: StreamName,
  mapping: Record<string, FieldMapping> | undefined,
): string {
  const parts = [`stream ${streamKey(stream)}`];
  if (mapping) parts.push(`mapping ${mappingHash(mapping)}`);
  return `${object} (${parts.join(', ')})`;
}

/** Equal for mappings that send the same fields from the same sources, however they are written. */
function mappingHash(mapping: Record<string, FieldMapping>): string {
  const canonical = Object.keys(mapping)
    .sort()
    .map((field) => {
      const spec = mapping[field]!;
      return [field, typeof spec === 'string' ? { from: spec } : spec];
    });
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex').slice(0, 12);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
