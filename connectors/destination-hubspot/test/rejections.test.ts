import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, contacts, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const contactsStream = stream('people', 'upsert', { object: 'contacts', key: 'email' });

describe('rejections', () => {
  it('rejects records whose values cannot fit their property before sending anything for them', async () => {
    const { fake, run } = await setUp();
    const result = await run('write', {
      catalog: catalog(contactsStream),
      input: [
        record('people', { email: 'ok@example.com', lifetime_value: 10 }),
        record('people', { email: 'bad-number@example.com', lifetime_value: 'ten' }),
        record('people', { email: 'bad-option@example.com', lifecyclestage: 'prospect' }),
        record('people', { email: 'bad-date@example.com', signup_date: '2024-02-30' }),
        record('people', { email: 'unknown@example.com', favourite_color: 'blue' }),
        record('people', { email: 'readonly@example.com', hs_object_id: '5' }),
        record('people', { firstname: 'No key' }),
        state('people', 1),
      ],
    });

    expect(result.errors).toEqual([]);
    expect(rejectedOf(result).map(({ key, field, reason, retryable }) => ({ key, field, reason, retryable }))).toEqual([
      {
        key: { email: 'bad-number@example.com' },
        field: 'lifetime_value',
        reason: 'lifetime_value: expected a number, got string "ten"',
        retryable: false,
      },
      {
        key: { email: 'bad-option@example.com' },
        field: 'lifecyclestage',
        reason: expect.stringMatching(
          /^lifecyclestage: "prospect" is not one of the options of lifecyclestage: \[subscriber, lead,/,
        ),
        retryable: false,
      },
      {
        key: { email: 'bad-date@example.com' },
        field: 'signup_date',
        reason: 'signup_date: 2024-02-30 is not a calendar date',
        retryable: false,
      },
      {
        key: { email: 'unknown@example.com' },
        field: 'favourite_color',
        reason: 'favourite_color is not a property of HubSpot contacts',
        retryable: false,
      },
      {
        key: { email: 'readonly@example.com' },
        field: 'hs_object_id',
        reason: 'hs_object_id is computed by HubSpot and cannot be written',
        retryable: false,
      },
      { key: {}, field: 'email', reason: 'matching key email is empty', retryable: false },
    ]);
    expect(fake.calls.filter({ path: '/crm/v3/objects/contacts/batch/upsert' }).map((c) => c.inputs)).toEqual([1]);
    expect(fake.store.list('contacts').map((c) => c.properties.email)).toEqual(['ok@example.com']);
  });

  it("isolates the records behind HubSpot's whole-batch 400 from the values it names, and resends the rest", async () => {
    const { fake, run } = await setUp();
    const input = contacts('people', 100, (i) => (i === 10 || i === 60 ? { email: `not-an-email-${i}` } : {}));
    const result = await run('write', { catalog: catalog(contactsStream), input: [...input, state('people', 1)] });

    expect(result.errors).toEqual([]);
    const rejected = rejectedOf(result);
    expect(rejected.map((r) => r.key)).toEqual([{ email: 'not-an-email-10' }, { email: 'not-an-email-60' }]);
    expect(rejected[0]).toMatchObject({
      field: 'email',
      retryable: false,
      reason: 'email: Email address not-an-email-10 is invalid (INVALID_EMAIL)',
    });
    expect(
      fake.calls.filter({ path: '/crm/v3/objects/contacts/batch/upsert' }).map((c) => [c.inputs, c.status]),
    ).toEqual([
      [100, 400],
      [99, 400],
      [98, 200],
    ]);
    expect(fake.store.list('contacts')).toHaveLength(98);
  });

  it('finds the record behind a 409 conflict by halving the batch (BatchRejectedError)', async () => {
    const { fake, run } = await setUp();
    fake.store.seed('contacts', [{ properties: { email: 'owner@example.com', external_id: 'X-1' } }]);
    const input = contacts('people', 8, (i) => ({ external_id: i === 5 ? 'X-1' : `E-${i}` }));
    const result = await run('write', { catalog: catalog(contactsStream), input: [...input, state('people', 1)] });

    expect(result.errors).toEqual([]);
    expect(rejectedOf(result)).toEqual([
      expect.objectContaining({
        key: { email: 'contact5@example.com' },
        retryable: false,
        reason: expect.stringMatching(/^Contact already exists. Existing ID: \d+/),
      }),
    ]);
    expect(fake.store.list('contacts')).toHaveLength(8);
    // 8 → 4 + 4 → (2 + 2) → (1 + 1): the conflict costs a few extra calls, only on failure.
    expect(fake.calls.count({ path: '/crm/v3/objects/contacts/batch/upsert' })).toBeLessThanOrEqual(7);
  });

  it.each([
    [
      'append',
      stream('people', 'append', { object: 'contacts' }),
      /behaviour append is not supported by HubSpot: its objects are records, not an event log/,
    ],
    [
      'an unknown property in the stream',
      stream('people', 'upsert', { object: 'contacts', key: 'email', properties: { email: {}, shoe_size: {} } }),
      /shoe_size is not a property of HubSpot contacts/,
    ],
    [
      'a read-only property in the stream',
      stream('people', 'upsert', { object: 'contacts', key: 'email', properties: { email: {}, lastmodifieddate: {} } }),
      /HubSpot computes lastmodifieddate/,
    ],
    [
      'upsert by hs_object_id',
      stream('people', 'upsert', { object: 'contacts', key: 'hs_object_id' }),
      /cannot upsert contacts by "hs_object_id".*Usable here: email, external_id/,
    ],
    [
      'a keyed behaviour without a key',
      stream('people', 'mirror', { object: 'contacts' }),
      /behaviour mirror needs exactly one matching key/,
    ],
    ['an unknown object', stream('people', 'insert', { object: 'unicorns' }), /object type "unicorns" does not exist/],
  ])('refuses %s at open, before sending any record', async (_case, configured, message) => {
    const { fake, run } = await setUp();
    const result = await run('write', {
      catalog: catalog(configured),
      input: [record('people', { email: 'a@example.com' }), state('people', 1)],
    });

    expect(result.exitCode).toBe(1);
    expect(result.errors).toEqual([
      expect.objectContaining({ failure_type: 'config_error', message: expect.stringMatching(message) }),
    ]);
    expect(fake.calls.count({ path: '/crm/v3/objects/*' })).toBe(0);
  });
});
