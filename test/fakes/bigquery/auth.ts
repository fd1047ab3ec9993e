import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeJwt, signedBy, type DecodedJwt } from '../google/jwt.js';
import { GoogleApiError } from './errors.js';

/**
 * What a service account may do in the fake project, after BigQuery's predefined roles:
 * `user` holds BigQuery User + Data Viewer, `dataViewer` can read metadata and table data
 * but cannot create jobs (a common misconfiguration), `none` holds no role at all.
 */
export type ServiceAccountRole = 'user' | 'dataViewer' | 'none';

/** A service-account key file, as the Cloud console downloads it. */
export interface ServiceAccountKey {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

/** The caller an access token stands for. */
export interface Principal {
  email: string;
  role: ServiceAccountRole;
  scopes: string[];
}

interface Account {
  email: string;
  role: ServiceAccountRole;
  publicKey: KeyObject;
}

interface IssuedToken {
  principal: Principal;
  expiresAtMs: number;
}

// Audiences Google's token endpoint accepts in a JWT-bearer assertion; google-auth-library
// always signs for the first one, whatever `token_uri` the key file names.
const GOOGLE_TOKEN_AUDIENCES = [
  'https://oauth2.googleapis.com/token',
  'https://www.googleapis.com/oauth2/v4/token',
  'https://accounts.google.com/o/oauth2/token',
];
// Audience of a self-signed JWT used directly as a bearer token (no token exchange).
const SELF_SIGNED_AUDIENCE = 'https://bigquery.googleapis.com/';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
// Google refuses assertions valid for more than an hour and allows a little clock skew.
const MAX_ASSERTION_LIFETIME_S = 3600;
const CLOCK_SKEW_S = 300;

/** OAuth2 token endpoint error, answered as `{error, error_description}` (RFC 6749 §5.2). */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;
  constructor(status: number, error: string, description: string) {
    super(description);
    this.status = status;
    this.error = error;
  }
  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

/** Service accounts, the OAuth2 JWT-bearer token exchange, and bearer-token checks. */
export class AuthServer {
  private readonly accounts = new Map<string, Account>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly projectId: string;
  private readonly tokenUri: () => string;
  private readonly tokenTtlSeconds: number;
  private readonly now: () => number;

  constructor(options: { projectId: string; tokenUri: () => string; tokenTtlSeconds: number; now: () => number }) {
    this.projectId = options.projectId;
    this.tokenUri = options.tokenUri;
    this.tokenTtlSeconds = options.tokenTtlSeconds;
    this.now = options.now;
  }

  /** Creates a service account with a fresh RSA key and returns its key file. */
  createServiceAccount(options: { name?: string; role?: ServiceAccountRole } = {}): ServiceAccountKey {
    const name = options.name ?? `backflow-${randomBytes(3).toString('hex')}`;
    const email = `${name}@${this.projectId}.iam.gserviceaccount.com`;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.accounts.set(email, { email, role: options.role ?? 'user', publicKey });
    const keyId = randomBytes(20).toString('hex');
    return {
      type: 'service_account',
      project_id: this.projectId,
      private_key_id: keyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: String(BigInt(`0x${randomBytes(8).toString('hex')}`)),
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: this.tokenUri(),
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
      universe_domain: 'googleapis.com',
    };
  }

  /** Makes every issued access token expire now, as if an hour had passed. */
  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAtMs = 0;
  }

  /** POST /token: exchanges a signed JWT assertion for an access token. */
  exchange(form: URLSearchParams): { access_token: string; expires_in: number; token_type: 'Bearer' } {
    const grantType = form.get('grant_type');
    if (grantType !== JWT_BEARER_GRANT) {
      throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
    }
    const assertion = form.get('assertion');
    const jwt = assertion ? decodeJwt(assertion) : undefined;
    if (!jwt) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: Malformed assertion.');
    const account = this.verifySignature(jwt);
    if (!account) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    const { claims } = jwt;
    if (typeof claims.aud !== 'string' || !this.acceptedAudiences().includes(claims.aud)) {
      throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
    }
    const nowS = Math.floor(this.now() / 1000);
    const iat = typeof claims.iat === 'number' ? claims.iat : NaN;
    const exp = typeof claims.exp === 'number' ? claims.exp : NaN;
    if (!(exp > nowS - CLOCK_SKEW_S) || !(iat < nowS + CLOCK_SKEW_S) || exp - iat > MAX_ASSERTION_LIFETIME_S) {
      throw new OAuthError(
        400,
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
    if (scopes.length === 0) {
      throw new OAuthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    }
    const accessToken = `ya29.fake-${randomUUID()}`;
    this.tokens.set(accessToken, {
      principal: { email: account.email, role: account.role, scopes },
      expiresAtMs: this.now() + this.tokenTtlSeconds * 1000,
    });
    return { access_token: accessToken, expires_in: this.tokenTtlSeconds, token_type: 'Bearer' };
  }

  /**
   * Resolves the caller of an API request from its Authorization header: an access token
   * issued here, or a self-signed service-account JWT (which Google also accepts).
   */
  authenticate(authorization: string | undefined): Principal {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) {
      throw new GoogleApiError(
        401,
        'required',
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        {
          location: 'Authorization',
          locationType: 'header',
          headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
        },
      );
    }
    const token = match[1] as string;
    const issued = this.tokens.get(token);
    if (issued && issued.expiresAtMs > this.now()) return issued.principal;
    const selfSigned = issued ? undefined : this.selfSignedPrincipal(token);
    if (selfSigned) return selfSigned;
    throw new GoogleApiError(
      401,
      'authError',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      {
        location: 'Authorization',
        locationType: 'header',
        headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      },
    );
  }

  private acceptedAudiences(): string[] {
    return [...GOOGLE_TOKEN_AUDIENCES, this.tokenUri()];
  }

  private verifySignature(jwt: DecodedJwt): Account | undefined {
    if (typeof jwt.claims.iss !== 'string') return undefined;
    const account = this.accounts.get(jwt.claims.iss);
    return account && signedBy(jwt, account.publicKey) ? account : undefined;
  }

  private selfSignedPrincipal(token: string): Principal | undefined {
    const jwt = decodeJwt(token);
    if (!jwt) return undefined;
    const account = this.verifySignature(jwt);
    if (!account || jwt.claims.sub !== account.email) return undefined;
    const exp = jwt.claims.exp;
    if (typeof exp !== 'number' || exp * 1000 <= this.now()) return undefined;
    const scopes = typeof jwt.claims.scope === 'string' ? jwt.claims.scope.split(' ').filter(Boolean) : [];
    if (scopes.length === 0 && jwt.claims.aud !== SELF_SIGNED_AUDIENCE) return undefined;
    return {
      email: account.email,
      role: account.role,
      scopes: scopes.length > 0 ? scopes : ['https://www.googleapis.com/auth/bigquery'],
    };
  }
}
