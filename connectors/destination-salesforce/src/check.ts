import type { CheckResult } from '@backflow/protocol/connector';
import type { SalesforceApi } from './salesforce-api.js';

/**
 * Gets a token and describes each configured object: proves the credentials, the login URL,
 * the user's API access and that each object exists (a ConfigError otherwise).
 */
export async function checkConnection(api: SalesforceApi, objects: readonly string[]): Promise<CheckResult> {
  const found: string[] = [];
  for (const object of objects) found.push(`${object} (${(await api.describe(object)).fields.size} fields)`);
  api.reportUsage();
  return { ok: true, message: `token accepted; objects: ${found.join(', ')}` };
}
