import { describe, expect, it } from 'vitest';
import { applySpecDefaults } from '@backflow/protocol';
import { ConfigError, loadSpec } from '@backflow/protocol/connector';
import type { PostgresSourceConfig } from './generated/config.js';
import { resolveSettings as resolveValid, type SourceConfig } from './settings.js';

// As the SDK calls it: with the config validated and spec.json's defaults filled in.
const spec = loadSpec(import.meta.url, '../spec.json');
const resolveSettings = (config: PostgresSourceConfig) =>
  resolveValid(applySpecDefaults<SourceConfig>(spec.connectionSpecification, config));

describe('resolveSettings', () => {
  it('applies defaults to host fields, trying TLS first', () => {
    const settings = resolveSettings({
      host: 'db.example.com',
      database: 'app',
      username: 'reader',
      password: 's3cret',
    });
    expect(settings.client).toMatchObject({
      host: 'db.example.com',
      port: 5432,
      database: 'app',
      user: 'reader',
      password: 's3cret',
      ssl: { rejectUnauthorized: false },
      connectionTimeoutMillis: 10_000,
      application_name: 'backflow-source-postgres',
    });
    expect(settings.sslFallback).toBe(true);
    expect(settings).toMatchObject({
      target: 'db.example.com:5432/app',
      schemas: ['public'],
      checkpointInterval: 10_000,
    });
  });

  it('maps each ssl_mode to TLS options', () => {
    const base = { host: 'h', database: 'd', username: 'u' };
    expect(resolveSettings({ ...base, ssl_mode: 'disable' }).client.ssl).toBe(false);
    expect(resolveSettings({ ...base, ssl_mode: 'require' })).toMatchObject({
      sslFallback: false,
      client: { ssl: { rejectUnauthorized: false } },
    });
    const verifyCa = resolveSettings({ ...base, ssl_mode: 'verify-ca', ssl_ca: 'PEM' }).client.ssl as Record<
      string,
      unknown
    >;
    expect(verifyCa).toMatchObject({ ca: 'PEM', rejectUnauthorized: true });
    expect(typeof verifyCa.checkServerIdentity).toBe('function');
    const verifyFull = resolveSettings({ ...base, ssl_mode: 'verify-full', ssl_ca: 'PEM' }).client.ssl;
    expect(verifyFull).toEqual({ ca: 'PEM', rejectUnauthorized: true });
  });

  it('takes the sslmode out of a URL so ssl_mode decides', () => {
    const fromUrl = resolveSettings({
      url: 'postgresql://u:p%40ss@db.example.com:6543/my%20db?sslmode=verify-full&application_name=x',
    });
    expect(fromUrl.client.connectionString).toBe(
      'postgresql://u:p%40ss@db.example.com:6543/my%20db?application_name=x',
    );
    expect(fromUrl.client.ssl).toEqual({ rejectUnauthorized: true });
    expect(fromUrl.target).toBe('db.example.com:6543/my db');
    const overridden = resolveSettings({ url: 'postgres://u@h/d?sslmode=verify-full', ssl_mode: 'disable' });
    expect(overridden.client.ssl).toBe(false);
    expect(resolveSettings({ url: 'postgres://u@h/d' }).sslFallback).toBe(true);
  });

  it('explains what is missing or unsupported', () => {
    expect(() => resolveSettings({ host: 'h' })).toThrow(
      new ConfigError(
        'config needs either "url" or all of "host", "database" and "username" (missing: database, username)',
      ),
    );
    expect(() => resolveSettings({ url: 'postgres://h/d?sslrootcert=/ca.pem' })).toThrow(
      /put the CA certificate in "ssl_ca"/,
    );
    expect(() => resolveSettings({ url: 'postgres://h/d?sslmode=sometimes' })).toThrow(/unknown sslmode "sometimes"/);
    const model = { name: 'm', sql: 'select 1' };
    expect(() => resolveSettings({ url: 'postgres://h/d', models: [model, model] })).toThrow(
      /two models are named "m"/,
    );
  });
});
