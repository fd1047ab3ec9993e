import { describe, expect, it } from 'vitest';
import type { SyncBehaviour } from '../types.js';
import type { IncomingRecord } from './definitions.js';
import { keyedChanges, type KeyedChangeRules } from './keyed-changes.js';

const rules = (behaviour: SyncBehaviour, key: string | undefined): KeyedChangeRules<{ name: string }> => ({
  behaviour,
  key,
  leftInPlace: 'Tool records',
  keyOf: (record) => {
    const value = record.key['email'];
    return typeof value === 'string' && value !== '' ? { value } : { problem: 'matching key email is empty' };
  },
  normalize: (value) => value.toLowerCase(),
  payloadOf: (record, keyValue) =>
    typeof record.data['name'] === 'string'
      ? { name: `${record.data['name']}${keyValue === undefined ? '' : ` <${keyValue}>`}` }
      : { problem: 'name: not text', field: 'name' },
  deletePayload: { name: '' },
});
const upsert = (email: string | undefined, name: unknown): IncomingRecord => ({
  data: { email, name },
  key: email === undefined ? {} : { email },
  operation: 'upsert',
});
const remove = (email: string): IncomingRecord => ({ data: { email }, key: { email }, operation: 'delete' });

describe('keyedChanges', () => {
  it('collapses records with the same normalized key, the last one winning with every index', () => {
    const batch = keyedChanges(rules('upsert', 'email'), [
      upsert('A@x.io', 'first'),
      upsert('b@x.io', 'b'),
      upsert('a@x.io', 'last'),
    ]);
    expect(batch).toEqual({
      rejected: [],
      writes: [
        { indices: [0, 2], keyValue: 'a@x.io', normalizedKey: 'a@x.io', name: 'last <a@x.io>' },
        { indices: [1], keyValue: 'b@x.io', normalizedKey: 'b@x.io', name: 'b <b@x.io>' },
      ],
      deletes: [],
    });
  });

  it('rejects only the records at fault: an empty key, a refused payload, a delete outside mirror', () => {
    const batch = keyedChanges(rules('upsert', 'email'), [
      upsert('', 'x'),
      upsert('c@x.io', 42),
      remove('d@x.io'),
      upsert('e@x.io', 'e'),
    ]);
    expect(batch.rejected).toEqual([
      { index: 0, reason: 'matching key email is empty', retryable: false, field: 'email' },
      { index: 1, reason: 'name: not text', retryable: false, field: 'name' },
      {
        index: 2,
        reason: 'delete records are applied only by behaviour mirror; upsert leaves Tool records in place',
        retryable: false,
      },
    ]);
    expect(batch.writes.map((change) => change.indices)).toEqual([[3]]);
  });

  it('mirror: a delete carries only its key, and a later delete of a key replaces its write', () => {
    const batch = keyedChanges(rules('mirror', 'email'), [upsert('a@x.io', 'a'), remove('A@x.io'), remove('b@x.io')]);
    expect(batch.writes).toEqual([]);
    expect(batch.deletes).toEqual([
      { indices: [0, 1], keyValue: 'A@x.io', normalizedKey: 'a@x.io', name: '' },
      { indices: [2], keyValue: 'b@x.io', normalizedKey: 'b@x.io', name: '' },
    ]);
  });

  it('insert: records without a key stay one change each, before the keyed ones', () => {
    const batch = keyedChanges(rules('insert', undefined), [upsert(undefined, 'a'), upsert(undefined, 'a')]);
    expect(batch.writes).toEqual([
      { indices: [0], keyValue: undefined, normalizedKey: undefined, name: 'a' },
      { indices: [1], keyValue: undefined, normalizedKey: undefined, name: 'a' },
    ]);
  });
});
