import { HttpError, errorBody } from './errors.js';

const MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find ' +
  'more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

/**
 * Private apps authenticate with `Authorization: Bearer <token>`. HubSpot answers a missing or
 * wrong token with 401, category `INVALID_AUTHENTICATION` and the header `X-HubSpot-Auth-Failure`.
 */
export function authenticate(authorization: string | undefined, token: string): void {
  if (authorization === `Bearer ${token}`) return;
  throw new HttpError(401, errorBody('INVALID_AUTHENTICATION', MESSAGE), {
    'X-HubSpot-Auth-Failure': '401 Unauthorized',
  });
}
