import { join, resolve } from 'node:path';
import type { ConfiguredAirbyteStream } from '@backflow/protocol';
import { describe, expect, it } from 'vitest';
import { streamFilePath } from './file-names.js';

function stream(
  name: string,
  extra: Partial<ConfiguredAirbyteStream> = {},
  namespace?: string,
): ConfiguredAirbyteStream {
  return {
    stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh'], ...(namespace ? { namespace } : {}) },
    sync_mode: 'full_refresh',
    destination_sync_mode: 'append',
    ...extra,
  };
}

describe('streamFilePath', () => {
  it('fills in the pattern', () => {
    expect(streamFilePath('/out', '{stream}.{ext}', stream('users'), 'csv')).toBe('/out/users.csv');
    expect(streamFilePath('out', '{namespace}_{stream}.{ext}', stream('users', {}, 'crm'), 'json')).toBe(
      resolve('out', 'crm_users.json'),
    );
    expect(
      streamFilePath('/out', '{stream}.{ext}', stream('users', { destination_object_name: 'people' }), 'jsonl'),
    ).toBe(join('/out', 'people.jsonl'));
  });

  it('drops an empty namespace with its separator, for a model', () => {
    expect(streamFilePath('/out', '{namespace}-{stream}.{ext}', stream('accounts'), 'jsonl')).toBe(
      '/out/accounts.jsonl',
    );
    expect(streamFilePath('/out', 'export_{namespace}_{stream}.{ext}', stream('a'), 'csv')).toBe('/out/export_a.csv');
    expect(streamFilePath('/out', '{stream}-{namespace}.{ext}', stream('a'), 'csv')).toBe('/out/a.csv');
    expect(streamFilePath('/out', '{namespace}/{stream}.{ext}', stream('a'), 'csv')).toBe('/out/a.csv');
    expect(streamFilePath('/out', '{namespace}-{stream}.{ext}', stream('a', {}, 'crm'), 'csv')).toBe('/out/crm-a.csv');
  });

  it('refuses names that leave the directory', () => {
    expect(() => streamFilePath('/out', '{stream}.{ext}', stream('../etc/passwd'), 'csv')).toThrow(
      /cannot be used in a file name/,
    );
    expect(() => streamFilePath('/out', '../{stream}.{ext}', stream('users'), 'csv')).toThrow(/not a file inside/);
  });
});
