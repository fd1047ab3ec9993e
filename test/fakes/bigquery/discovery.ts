import { Discovery, loadDiscoverySubset } from '../google/discovery.js';
import { GoogleApiError } from './errors.js';

export type { DiscoveryMethod } from '../google/discovery.js';

/** Google's BigQuery v2 discovery document, cut down by ../google/make-discovery-subset.mjs; 400s in BigQuery's error shape. */
export const discovery = new Discovery(
  loadDiscoverySubset(new URL('./discovery-subset.json', import.meta.url)),
  (message) => new GoogleApiError(400, 'invalid', message),
);

/** Where a successful response of the given method (short id, e.g. `jobs.query`) departs from its schema. */
export function responseViolations(methodId: string, body: unknown): string[] {
  return discovery.responseViolations(`bigquery.${methodId}`, body);
}

/** Where `value` departs from the named BigQuery schema. */
export function schemaViolations(schemaName: string, value: unknown): string[] {
  return discovery.schemaViolations(schemaName, value);
}
