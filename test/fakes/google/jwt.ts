import { verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** A JWT split into its parts, as Google's token endpoint reads an assertion. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signedPart: string;
  signature: Buffer;
}

/** Decodes a compact JWS; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, claims, signature] = parts as [string, string, string];
  try {
    return {
      header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
      claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>,
      signedPart: `${header}.${claims}`,
      signature: Buffer.from(signature, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** Whether an RS256 JWT was signed by the private half of `publicKey`. */
export function signedBy(jwt: DecodedJwt, publicKey: KeyObject): boolean {
  return jwt.header.alg === 'RS256' && verify('RSA-SHA256', Buffer.from(jwt.signedPart), publicKey, jwt.signature);
}
