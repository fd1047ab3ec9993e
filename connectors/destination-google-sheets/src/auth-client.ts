import { ConfigError } from '@backflow/protocol/connector';
import { JWT, OAuth2Client, type AuthClient } from 'google-auth-library';
import type { Settings } from './settings.js';

export const SPREADSHEETS_SCOPE = 'https://www.googleapis.com/auth/spreadsheets';
// google-auth-library sends every JWT-bearer exchange here, whatever the key file says.
const LIBRARY_TOKEN_URL = 'https://oauth2.googleapis.com/token';

interface ServiceAccountInfo {
  client_email?: unknown;
  private_key?: unknown;
  private_key_id?: unknown;
}

function parseKey(text: string): { email: string; key: string; keyId?: string } {
  let info: ServiceAccountInfo;
  try {
    info = JSON.parse(text) as ServiceAccountInfo;
  } catch {
    // Never echo the text: it holds the private key.
    throw new ConfigError(
      'credentials.service_account_info: not JSON; paste the whole key file downloaded from the Cloud console',
    );
  }
  if (
    typeof info.client_email !== 'string' ||
    typeof info.private_key !== 'string' ||
    !info.private_key.includes('PRIVATE KEY')
  ) {
    throw new ConfigError(
      'credentials.service_account_info: a service-account key file needs `client_email` and `private_key` (a PEM private key)',
    );
  }
  return {
    email: info.client_email,
    key: info.private_key,
    ...(typeof info.private_key_id === 'string' ? { keyId: info.private_key_id } : {}),
  };
}

/**
 * The OAuth2 client for the configured credentials: a service account signing a JWT
 * assertion, or a user's refresh token. Both exchange at `token_uri`; for the service
 * account, whose library hard-codes Google's endpoint, an interceptor on its own transporter
 * sends the exchange there. Token retries stay off: RequestGate owns retrying.
 */
export function authClientFor(settings: Settings): AuthClient {
  const { credentials, tokenUri } = settings;
  if (credentials.auth_type === 'oauth2_refresh_token') {
    const client = new OAuth2Client({
      clientId: credentials.client_id,
      clientSecret: credentials.client_secret,
      endpoints: { oauth2TokenUrl: tokenUri },
    });
    client.setCredentials({ refresh_token: credentials.refresh_token });
    return client;
  }
  const { email, key, keyId } = parseKey(credentials.service_account_info);
  const jwt = new JWT({
    email,
    key,
    ...(keyId ? { keyId } : {}),
    ...(credentials.subject ? { subject: credentials.subject } : {}),
    scopes: [SPREADSHEETS_SCOPE],
  });
  if (tokenUri !== LIBRARY_TOKEN_URL) {
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
