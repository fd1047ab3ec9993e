import { describe, expect, it } from 'vitest';
import { REDACTED, collectSecrets, redact, redactConfig } from './secrets.js';

const schema = {
  type: 'object',
  properties: {
    host: { type: 'string' },
    password: { type: 'string', airbyte_secret: true },
    credentials_json: { type: 'string', airbyte_secret: true },
    auth: {
      oneOf: [
        { properties: { method: { const: 'token' }, token: { type: 'string', airbyte_secret: true } } },
        { properties: { method: { const: 'none' } } },
      ],
    },
    headers: {
      type: 'array',
      items: { type: 'object', properties: { value: { type: 'string', airbyte_secret: true } } },
    },
  },
};

describe('secrets', () => {
  const key = {
    type: 'service_account',
    project_id: 'acme-prod',
    private_key_id: 'abc123def',
    private_key: '-----BEGIN KEY-----\nMIIE\n',
  };
  const config = {
    host: 'db.internal',
    password: 'hunter2-pw',
    credentials_json: JSON.stringify(key),
    auth: { method: 'token', token: 'tok-999-xyz' },
    headers: [{ value: 'Bearer zzz-header' }],
  };

  it('finds secrets through nested objects, oneOf branches and arrays', () => {
    const secrets = collectSecrets(schema, config);
    expect(secrets).toEqual(
      expect.arrayContaining(['hunter2-pw', 'tok-999-xyz', 'Bearer zzz-header', key.private_key, 'abc123def']),
    );
    expect(secrets).not.toContain('db.internal');
  });

  it('scrubs a key file pasted as a string, but keeps its project id readable', () => {
    const secrets = collectSecrets(schema, config);
    const text = redact(
      `Not found: Dataset acme-prod:nope (key ${key.private_key_id}, ${JSON.stringify(key.private_key)})`,
      secrets,
    );
    expect(text).toBe(`Not found: Dataset acme-prod:nope (key ${REDACTED}, "${REDACTED}")`);
  });

  it('masks secret fields in a printable copy of the config', () => {
    expect(redactConfig(schema, config)).toMatchObject({
      host: 'db.internal',
      password: REDACTED,
      credentials_json: REDACTED,
      auth: { method: 'token', token: REDACTED },
      headers: [{ value: REDACTED }],
    });
  });
});
