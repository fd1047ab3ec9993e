import { ConfigError, type CheckResult } from '@backflow/protocol/connector';
import { OBJECT_NAMES } from './objects.js';
import { objectSchema } from './schema.js';
import type { ZendeskClient } from './zendesk-client.js';

interface Me {
  user: { id: number | null; email?: string; role?: string };
}

/**
 * Reads the authenticated user (a 401 is a ConfigError "Zendesk refused the credentials") and
 * the custom fields of each object: writing users, organizations and tickets needs an agent
 * or admin, and Zendesk answers `/users/me` for bad credentials with an anonymous user.
 */
export async function checkConnection(client: ZendeskClient): Promise<CheckResult> {
  const { user } = await client.get<Me>('read the authenticated user', '/api/v2/users/me');
  if (user.id === null || user.role === 'end-user' || user.role === undefined) {
    throw new ConfigError(
      `Zendesk authenticated ${user.email ?? 'an anonymous user'} as ${user.role ?? 'nobody'}: credentials must belong to an agent or admin`,
    );
  }
  const found: string[] = [];
  for (const name of OBJECT_NAMES)
    found.push(`${name} (${(await objectSchema(client, name)).customFields.size} custom fields)`);
  return { ok: true, message: `authenticated as ${user.email} (${user.role}); objects: ${found.join(', ')}` };
}
