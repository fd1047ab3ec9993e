import { createSign } from 'node:crypto';
import { ConfigError, TransientError, type Timing } from '@backflow/protocol/connector';
import jsforce from 'jsforce';

/**
 * The connected-app grants both Salesforce connectors accept; each spec.json declares the
 * same `auth` object, so its generated type is assignable to this one.
 */
export type Authentication =
  | { auth_type: 'jwt_bearer'; client_id: string; username: string; private_key: string }
  | { auth_type: 'client_credentials'; client_id: string; client_secret: string }
  | { auth_type: 'refresh_token'; client_id: string; client_secret?: string; refresh_token: string };

/** An access token and the instance it is valid on (the token response's `instance_url`). */
export interface Session {
  readonly accessToken: string;
  readonly instanceUrl: string;
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Salesforce accepts a JWT for at most 3 minutes after its `exp` is set. */
const JWT_LIFETIME_S = 180;

/**
 * Asks the login server for an access token with one of the connected app's
 * server-to-server grants, through jsforce's OAuth2 client. jsforce signs no JWTs, so the
 * bearer assertion is built here (RS256 over `iss`, `sub`, `aud`, `exp`, as Salesforce's
 * "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration" describes).
 */
export async function requestSession(auth: Authentication, loginUrl: string, timing: Timing): Promise<Session> {
  let answer: { access_token?: string; instance_url?: string };
  try {
    switch (auth.auth_type) {
      case 'jwt_bearer': {
        const oauth2 = new jsforce.OAuth2({ loginUrl });
        const assertion = signJwt(auth.client_id, auth.username, loginUrl, auth.private_key, timing.now());
        answer = await oauth2.requestToken({ grant_type: JWT_GRANT, assertion });
        break;
      }
      case 'client_credentials': {
        const oauth2 = new jsforce.OAuth2({ loginUrl, clientId: auth.client_id, clientSecret: auth.client_secret });
        answer = await oauth2.requestToken({ grant_type: 'client_credentials' });
        break;
      }
      case 'refresh_token': {
        const oauth2 = new jsforce.OAuth2({
          loginUrl,
          clientId: auth.client_id,
          ...(auth.client_secret ? { clientSecret: auth.client_secret } : {}),
        });
        answer = await oauth2.refreshToken(auth.refresh_token);
        break;
      }
    }
  } catch (error) {
    throw tokenError(auth.auth_type, loginUrl, error);
  }
  if (!answer.access_token || !answer.instance_url)
    throw new TransientError(`the token response of ${loginUrl} has no access_token or instance_url`);
  return { accessToken: answer.access_token, instanceUrl: answer.instance_url.replace(/\/+$/, '') };
}

function signJwt(clientId: string, username: string, audience: string, privateKey: string, now: number): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg: 'RS256' })}.${encode({ iss: clientId, sub: username, aud: audience, exp: Math.floor(now / 1000) + JWT_LIFETIME_S })}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(body).sign(privateKey, 'base64url');
  } catch (error) {
    throw new ConfigError(`auth.private_key is not a usable RSA private key in PEM form: ${(error as Error).message}`);
  }
  return `${body}.${signature}`;
}

// jsforce names the error after the OAuth `error` and puts `error_description` in the message.
function tokenError(grant: string, loginUrl: string, error: unknown): Error {
  if (error instanceof ConfigError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (/^(invalid_|unsupported_|inactive_|unauthorized)/.test(name))
    return new ConfigError(`${loginUrl} refused the ${grant} grant (${name}): ${message}; check auth and login_url`);
  return new TransientError(`cannot get a token from ${loginUrl} (${grant}): ${name ? `${name}: ` : ''}${message}`);
}
