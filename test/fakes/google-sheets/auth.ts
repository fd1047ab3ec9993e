import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeJwt, signedBy } from '../google/jwt.js';
import { errorInfo, SheetsApiError } from './errors.js';

/** A service-account key file, as the Cloud console downloads it. */
export interface ServiceAccountKey {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

/** An OAuth client and a refresh token a user granted it. */
export interface OAuthGrant {
  client_id: string;
  client_secret: string;
  refresh_token: string;
  user: string;
}

/** Who an access token stands for, and what it may do. */
export interface Principal {
  user: string;
  scopes: string[];
}

/** OAuth2 token endpoint error, answered as `{error, error_description}` (RFC 6749 §5.2). */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
// The audience Google's token endpoint requires (google-auth-library signs for it whatever token URI is used).
const GOOGLE_TOKEN_AUDIENCES = ['https://oauth2.googleapis.com/token', 'https://www.googleapis.com/oauth2/v4/token'];
const MAX_ASSERTION_LIFETIME_S = 3600;
const CLOCK_SKEW_S = 300;
const TOKEN_TTL_S = 3600;
const INVALID_CREDENTIALS =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/**
 * Google's OAuth2 token endpoint for the two grants the connector uses — a service account's
 * signed JWT assertion (verified with the account's public key) and a user's refresh token —
 * and the bearer check of API calls. Token lifetimes run on the real clock, as
 * google-auth-library stamps assertions with it.
 */
export class SheetsAuth {
  private readonly accounts = new Map<string, KeyObject>();
  private readonly grants = new Map<string, OAuthGrant>();
  private readonly tokens = new Map<string, Principal & { expiresAtMs: number }>();
  /** Access tokens issued, by grant type: tests check the connector caches its token. */
  readonly issued = { jwt: 0, refresh: 0 };

  constructor(
    private readonly projectId: string,
    private readonly tokenUri: () => string,
  ) {}

  createServiceAccount(name = `backflow-${randomBytes(3).toString('hex')}`): ServiceAccountKey {
    const email = `${name}@${this.projectId}.iam.gserviceaccount.com`;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.accounts.set(email, publicKey);
    return {
      type: 'service_account',
      project_id: this.projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: String(BigInt(`0x${randomBytes(8).toString('hex')}`)),
      token_uri: this.tokenUri(),
    };
  }

  createOAuthGrant(user: string): OAuthGrant {
    const grant: OAuthGrant = {
      client_id: `${randomBytes(6).toString('hex')}.apps.googleusercontent.com`,
      client_secret: `GOCSPX-${randomBytes(12).toString('base64url')}`,
      refresh_token: `1//${randomBytes(24).toString('base64url')}`,
      user,
    };
    this.grants.set(grant.refresh_token, grant);
    return grant;
  }

  /** Makes every issued access token expire, as if an hour had passed. */
  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAtMs = 0;
  }

  /** POST /token. */
  exchange(form: URLSearchParams): { access_token: string; expires_in: number; token_type: 'Bearer'; scope?: string } {
    const grantType = form.get('grant_type');
    let principal: Principal;
    if (grantType === JWT_BEARER_GRANT) {
      principal = this.verifyAssertion(form.get('assertion') ?? '');
      this.issued.jwt++;
    } else if (grantType === 'refresh_token') {
      principal = this.verifyRefresh(form);
      this.issued.refresh++;
    } else {
      throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
    }
    const accessToken = `ya29.fake-${randomUUID()}`;
    this.tokens.set(accessToken, { ...principal, expiresAtMs: Date.now() + TOKEN_TTL_S * 1000 });
    return {
      access_token: accessToken,
      expires_in: TOKEN_TTL_S,
      token_type: 'Bearer',
      scope: principal.scopes.join(' '),
    };
  }

  /** Resolves the caller of an API request from its `Authorization: Bearer` header. */
  authenticate(authorization: string | undefined): Principal {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) {
      throw new SheetsApiError(
        401,
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        [
          errorInfo('CREDENTIALS_MISSING', {
            service: 'sheets.googleapis.com',
            method: 'google.apps.sheets.v4.SpreadsheetsService',
          }),
        ],
        { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
      );
    }
    const issued = this.tokens.get(match[1]!);
    if (issued && issued.expiresAtMs > Date.now()) return { user: issued.user, scopes: issued.scopes };
    throw new SheetsApiError(
      401,
      INVALID_CREDENTIALS,
      [
        errorInfo(issued ? 'ACCESS_TOKEN_EXPIRED' : 'ACCESS_TOKEN_TYPE_UNSUPPORTED', {
          service: 'sheets.googleapis.com',
        }),
      ],
      { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    );
  }

  private verifyAssertion(assertion: string): Principal {
    const jwt = decodeJwt(assertion);
    if (!jwt) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: Malformed assertion.');
    const iss = jwt.claims.iss;
    const key = typeof iss === 'string' ? this.accounts.get(iss) : undefined;
    if (!key || !signedBy(jwt, key)) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    const aud = jwt.claims.aud;
    if (typeof aud !== 'string' || ![...GOOGLE_TOKEN_AUDIENCES, this.tokenUri()].includes(aud)) {
      throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
    }
    const nowS = Math.floor(Date.now() / 1000);
    const iat = typeof jwt.claims.iat === 'number' ? jwt.claims.iat : NaN;
    const exp = typeof jwt.claims.exp === 'number' ? jwt.claims.exp : NaN;
    if (!(exp > nowS - CLOCK_SKEW_S) || !(iat < nowS + CLOCK_SKEW_S) || exp - iat > MAX_ASSERTION_LIFETIME_S) {
      throw new OAuthError(
        400,
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    }
    const scopes = typeof jwt.claims.scope === 'string' ? jwt.claims.scope.split(' ').filter(Boolean) : [];
    if (scopes.length === 0)
      throw new OAuthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    // Domain-wide delegation (`sub`) acts as that user; without it, as the service account.
    return { user: typeof jwt.claims.sub === 'string' ? jwt.claims.sub : (iss as string), scopes };
  }

  private verifyRefresh(form: URLSearchParams): Principal {
    const grant = this.grants.get(form.get('refresh_token') ?? '');
    const clientId = form.get('client_id');
    if (!clientId || ![...this.grants.values()].some((g) => g.client_id === clientId)) {
      throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
    }
    if (!grant || grant.client_id !== clientId) throw new OAuthError(400, 'invalid_grant', 'Bad Request');
    if (form.get('client_secret') !== grant.client_secret) throw new OAuthError(401, 'invalid_client', 'Unauthorized');
    // A refresh token carries the scopes the user consented to.
    return { user: grant.user, scopes: ['https://www.googleapis.com/auth/spreadsheets'] };
  }
}
