import { BigQuery } from '@google-cloud/bigquery';
import { JWT } from 'google-auth-library';
import type { Settings } from './settings.js';

/** Builds the BigQuery client a run uses; tests inject one pointed at a fake. */
export type ClientFactory = (settings: Settings) => BigQuery;

export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';

// Where google-auth-library always sends the JWT-bearer exchange (and signs `aud` for),
// and the older URI that key files from before 2019 name for the same endpoint.
const GOOGLE_TOKEN_URIS = new Set([
  'https://oauth2.googleapis.com/token',
  'https://accounts.google.com/o/oauth2/token',
]);
const LIBRARY_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/**
 * The service-account auth client. google-auth-library ignores the key's `token_uri`, so when
 * the key names another token endpoint (a private endpoint, a test server) the exchange is
 * redirected there by an interceptor on this client's own transporter.
 */
export function authClientFor(settings: Settings): JWT {
  const { key } = settings;
  const jwt = new JWT({
    email: key.client_email,
    key: key.private_key,
    ...(key.private_key_id ? { keyId: key.private_key_id } : {}),
    scopes: [BIGQUERY_SCOPE],
  });
  const tokenUri = key.token_uri;
  if (tokenUri && !GOOGLE_TOKEN_URIS.has(tokenUri)) {
    const target = new URL(tokenUri);
    jwt.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) === LIBRARY_TOKEN_URL) config.url = target;
        return config;
      },
    });
  }
  return jwt;
}

/**
 * The production client: the key's service account, the configured endpoint and location.
 * The library's own retries are off: they ignore Retry-After, so `retry.ts` retries instead.
 */
export const defaultClient: ClientFactory = (settings) =>
  new BigQuery({
    projectId: settings.projectId,
    location: settings.location,
    ...(settings.apiEndpoint ? { apiEndpoint: settings.apiEndpoint } : {}),
    authClient: authClientFor(settings),
    autoRetry: false,
  });
