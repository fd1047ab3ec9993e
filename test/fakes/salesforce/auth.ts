import { createVerify, randomBytes } from 'node:crypto';

/** The connected app and user the fake's token endpoint accepts. */
export interface AuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** PEM public key of the certificate uploaded to the connected app, for the JWT bearer flow. */
  jwtPublicKey?: string;
  username: string;
}

/** An OAuth error as Salesforce's token endpoint answers it (400 with `error` and `error_description`). */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Audiences Salesforce accepts in a JWT: its login servers (and, in the fake, the fake's login URL). */
const AUDIENCES = ['https://login.salesforce.com', 'https://test.salesforce.com'];

/**
 * The token endpoint's three server-to-server grants: client credentials, refresh token, and
 * JWT bearer (RS256 signature checked with the app's certificate, `iss` the consumer key,
 * `sub` the user, `aud` the login server, `exp` in the future). Issued tokens stay valid until
 * `expireAll()`, which stands for Salesforce ending sessions (timeout, admin revocation).
 */
export class TokenIssuer {
  private readonly valid = new Set<string>();
  /** Grants served, by grant type. */
  readonly issued: string[] = [];

  constructor(
    private readonly options: AuthOptions,
    private readonly loginUrl: () => string,
    private readonly now: () => number,
  ) {}

  grant(form: URLSearchParams): { access_token: string; grant: string } {
    const grant = form.get('grant_type') ?? '';
    if (grant === 'client_credentials') {
      this.client(form, true);
    } else if (grant === 'refresh_token') {
      this.client(form, false);
      if (form.get('refresh_token') !== this.options.refreshToken)
        throw new OAuthError('invalid_grant', 'expired access/refresh token');
    } else if (grant === JWT_GRANT) {
      this.jwt(form.get('assertion') ?? '');
    } else {
      throw new OAuthError('unsupported_grant_type', 'grant type not supported');
    }
    const token = `00D5g000000FAKE!${randomBytes(24).toString('base64url')}`;
    this.valid.add(token);
    this.issued.push(grant);
    return { access_token: token, grant };
  }

  accepts(token: string | undefined): boolean {
    return token !== undefined && this.valid.has(token);
  }

  expireAll(): void {
    this.valid.clear();
  }

  private client(form: URLSearchParams, secretRequired: boolean): void {
    if (form.get('client_id') !== this.options.clientId)
      throw new OAuthError('invalid_client_id', 'client identifier invalid');
    const secret = form.get('client_secret');
    if ((secretRequired || secret !== null) && secret !== this.options.clientSecret)
      throw new OAuthError('invalid_client', 'invalid client credentials');
  }

  private jwt(assertion: string): void {
    const parts = assertion.split('.');
    if (parts.length !== 3) throw new OAuthError('invalid_grant', 'invalid assertion');
    const [header, payload, signature] = parts as [string, string, string];
    const head = decode(header);
    if (head?.['alg'] !== 'RS256') throw new OAuthError('invalid_grant', 'invalid assertion');
    const key = this.options.jwtPublicKey;
    const verified =
      key !== undefined &&
      createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(key, Buffer.from(signature, 'base64url'));
    if (!verified) throw new OAuthError('invalid_grant', 'invalid assertion');
    const claims = decode(payload) ?? {};
    if (claims['iss'] !== this.options.clientId) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    if (![...AUDIENCES, this.loginUrl()].includes(String(claims['aud'])))
      throw new OAuthError('invalid_grant', 'audience is invalid');
    if (claims['sub'] !== this.options.username)
      throw new OAuthError('invalid_grant', "user hasn't approved this consumer");
    if (typeof claims['exp'] !== 'number' || claims['exp'] * 1000 <= this.now())
      throw new OAuthError('invalid_grant', 'expired authorization code');
  }
}

function decode(part: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
