import { describe, expect, it } from 'vitest';
import type { AirbyteCatalog } from '@backflow/protocol';
import type { StreamSettings } from '../generated/connection.js';
import { catalogOf, configureStreams } from './configured-catalog.js';

const discovered: AirbyteCatalog = {
  streams: ['account_metrics', 'users'].map((name) => ({
    name,
    namespace: 'analytics',
    json_schema: { type: 'object', properties: { id: { type: 'integer' }, email: { type: 'string' } } },
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_primary_key: [['id']],
  })),
};

const configure = (...settings: StreamSettings[]) => configureStreams(discovered, settings, 'conn.yaml');
const targetOf = (settings: StreamSettings) => configure(settings)[0]!.target;

describe('configureStreams: destination_stream', () => {
  it('gives the destination its own stream name and namespace; the source reads its own', () => {
    const [stream] = configure({
      name: 'account_metrics',
      destination_stream: { name: 'warehouse__backflow__account_metrics', namespace: 'warehouse' },
    });
    expect(catalogOf([stream!], 'source').streams[0]!.stream).toMatchObject({
      name: 'account_metrics',
      namespace: 'analytics',
    });
    expect(catalogOf([stream!], 'destination').streams[0]!.stream).toMatchObject({
      name: 'warehouse__backflow__account_metrics',
      namespace: 'warehouse',
      json_schema: discovered.streams[0]!.json_schema,
    });
    expect(stream!.key).toBe('analytics.account_metrics');
    expect(stream!.object).toBe('warehouse__backflow__account_metrics');
  });

  it('passes no namespace unless given one, and keeps a mapped schema and an explicit object', () => {
    const [stream] = configure({
      name: 'users',
      destination_stream: { name: 'people' },
      destination: 'contacts',
      mapping: { email_address: 'email', id: 'id' },
    });
    const delivered = stream!.delivered;
    expect(delivered.stream.name).toBe('people');
    expect(delivered.stream.namespace).toBeUndefined();
    expect(Object.keys((delivered.stream.json_schema as { properties: object }).properties)).toEqual([
      'email_address',
      'id',
    ]);
    expect(delivered.destination_object_name).toBe('contacts');
    expect(stream!.object).toBe('contacts');
  });

  it('refuses two streams delivered under one name: echoes could not be told apart', () => {
    expect(() =>
      configure(
        { name: 'account_metrics' },
        { name: 'users', destination_stream: { name: 'account_metrics', namespace: 'analytics' } },
      ),
    ).toThrow(
      /destination would receive "analytics.account_metrics" for both analytics.account_metrics and analytics.users/,
    );
  });
});

describe('configureStreams: delivery target', () => {
  const base: StreamSettings = { name: 'users' };

  it('names the object and the stream the destination receives', () => {
    expect(targetOf(base)).toBe('users (stream analytics.users)');
    expect(targetOf({ ...base, destination: 'contacts' })).toBe('contacts (stream analytics.users)');
  });

  it('changes with the object, the destination stream or the mapping', () => {
    const targets = [
      base,
      { ...base, destination: 'contacts' },
      { ...base, destination_stream: { name: 'people' } },
      { ...base, destination_stream: { name: 'users', namespace: 'crm' } },
      { ...base, mapping: { id: 'id', email: 'email' } },
      { ...base, mapping: { id: 'id', email_address: 'email' } },
      { ...base, mapping: { id: 'id', email: { from: 'email', type: 'string' } } },
    ].map((settings) => targetOf(settings as StreamSettings));
    expect(new Set(targets).size).toBe(targets.length);
  });

  it('is the same for a mapping written differently, and for settings that do not move rows', () => {
    const mapped = targetOf({ ...base, mapping: { id: 'id', email: 'email' } });
    expect(targetOf({ ...base, mapping: { email: { from: 'email' }, id: { from: 'id' } } })).toBe(mapped);
    expect(targetOf({ ...base, behaviour: 'mirror', mapping: { id: 'id', email: 'email' } })).toBe(mapped);
  });
});
