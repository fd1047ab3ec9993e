import type { CheckResult } from '@backflow/protocol/connector';
import type { HubSpotApi } from './hubspot-api.js';

/**
 * Reads the properties of each configured object: proves the token is accepted (a 401 is a
 * ConfigError "HubSpot refused the private-app token"), has the schema scopes, and that each
 * object exists.
 */
export async function checkConnection(api: HubSpotApi, objectTypes: readonly string[]): Promise<CheckResult> {
  const found: string[] = [];
  for (const objectType of objectTypes) {
    const schema = await api.objectSchema(objectType);
    found.push(`${objectType} (${schema.properties.size} properties)`);
  }
  return { ok: true, message: `token accepted; objects: ${found.join(', ')}` };
}
