import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import {
  catalog,
  closeFakes,
  CONTACT_FIELDS,
  contacts,
  record,
  rejectedOf,
  routes,
  setUp,
  state,
  stream,
} from './helpers.js';

afterEach(closeFakes);

const people = stream('people', 'upsert', { object: 'Contact', key: 'External_Id__c', fields: CONTACT_FIELDS });

describe('sObject Collections', () => {
  it("sends a batch's calls 4 at a time, not one per round trip, and every record lands", async () => {
    // Answers held 200 ms (real timers) so the calls of the batch overlap at the fake.
    const { fake, run } = await setUp({ latencyMs: 200 });
    let inFlight = 0;
    let peak = 0;
    const arrived = () => void (peak = Math.max(peak, ++inFlight));
    const answered = () => void inFlight--;
    subscribe('http.server.request.start', arrived);
    subscribe('http.server.response.finish', answered);
    try {
      const written = await run('write', {
        catalog: catalog(people),
        input: [...contacts('people', 1000), state('people', 1)],
      });
      expect(written.errors).toEqual([]);
      expect(rejectedOf(written)).toEqual([]);
    } finally {
      unsubscribe('http.server.request.start', arrived);
      unsubscribe('http.server.response.finish', answered);
    }
    expect(peak).toBe(4);
    expect(fake.calls.count({ path: '/composite/sobjects/Contact/External_Id__c' })).toBe(5);
    expect(fake.store.list('Contact')).toHaveLength(1000);
  });

  it('upserts by an external id, 200 records per call, and updates them on the next run', async () => {
    const { fake, run } = await setUp();
    const first = await run('write', {
      catalog: catalog(people),
      input: [...contacts('people', 450), state('people', 1)],
    });
    expect(first.errors).toEqual([]);
    expect(first.states[0]!.destinationStats).toMatchObject({ recordCount: 450, rejectedRecordCount: 0 });
    const upserts = fake.calls.filter({ path: '/composite/sobjects/Contact/External_Id__c' });
    expect(upserts.map((c) => (c as { records?: number }).records)).toEqual([200, 200, 50]);
    expect(routes(fake)).toEqual({
      'GET /sobjects/Contact/describe': 1,
      'PATCH /composite/sobjects/Contact/External_Id__c': 3,
    });
    expect(fake.store.list('Contact')).toHaveLength(450);

    fake.calls.reset();
    const second = await run('write', {
      catalog: catalog(people),
      input: [
        record('people', { External_Id__c: 'c7', LastName: 'Renamed', Email: 'c7@example.com' }),
        state('people', 2),
      ],
    });
    expect(second.errors).toEqual([]);
    const stored = fake.store.list('Contact');
    expect(stored).toHaveLength(450);
    expect(stored.find((r) => r.fields['External_Id__c'] === 'C7')?.fields['LastName']).toBe('Renamed');
  });

  it("rejects records with Salesforce's per-record errors while the rest land", async () => {
    const { fake, run } = await setUp();
    const input = contacts('people', 6, (i) =>
      i === 1 ? { Email: 'not-an-email' } : i === 2 ? { LastName: null } : i === 3 ? { LastName: 'x'.repeat(81) } : {},
    );
    const result = await run('write', { catalog: catalog(people), input: [...input, state('people', 1)] });
    expect(result.errors).toEqual([]);
    const rejected = rejectedOf(result);
    expect(rejected.map((r) => [r.key['External_Id__c'], r.reason])).toEqual([
      ['C1', expect.stringMatching(/^INVALID_EMAIL_ADDRESS: Email: invalid email address: not-an-email/)],
      ['C2', expect.stringMatching(/^REQUIRED_FIELD_MISSING: Required fields are missing: \[LastName\]/)],
      ['C3', expect.stringMatching(/^STRING_TOO_LONG: .*max length=80/)],
    ]);
    expect(fake.store.list('Contact').map((r) => r.fields['External_Id__c'])).toEqual(['C0', 'C4', 'C5']);
  });
});

describe('update, insert and mirror', () => {
  it('updates by external id (ids read with SOQL) and by Id; an unknown key is rejected, nothing created', async () => {
    const { fake, run } = await setUp();
    const [a, b] = fake.store.seed('Contact', [
      { LastName: 'A', External_Id__c: 'X1' },
      { LastName: 'B', External_Id__c: 'X2' },
    ]);
    const byExternal = stream('people', 'update', {
      object: 'Contact',
      key: 'External_Id__c',
      fields: ['External_Id__c', 'LastName'],
    });
    const result = await run('write', {
      catalog: catalog(byExternal),
      input: [
        record('people', { External_Id__c: 'x1', LastName: 'A2' }),
        record('people', { External_Id__c: 'NOPE', LastName: 'Z' }),
        state('people', 1),
      ],
    });
    expect(rejectedOf(result)).toEqual([
      expect.objectContaining({
        key: { External_Id__c: 'NOPE' },
        reason: expect.stringMatching(/no Salesforce Contact record has External_Id__c NOPE/),
      }),
    ]);
    expect(routes(fake)).toMatchObject({ 'GET /query': 1, 'PATCH /composite/sobjects': 1 });
    expect(fake.store.get('Contact', a!)?.fields['LastName']).toBe('A2');

    const byId = stream('people', 'update', { object: 'Contact', key: 'Id', fields: ['Id', 'LastName'] });
    const second = await run('write', {
      catalog: catalog(byId),
      input: [record('people', { Id: b!.slice(0, 15), LastName: 'B2' }), state('people', 1)],
    });
    expect(second.errors).toEqual([]);
    expect(fake.store.get('Contact', b!)?.fields['LastName']).toBe('B2');
    expect(fake.store.list('Contact')).toHaveLength(2);
  });

  it('inserts records into a custom object, coercing values to the field types', async () => {
    const { fake, run } = await setUp();
    const foos = stream('foos', 'insert', {
      object: 'Foo__c',
      fields: ['Name', 'Score__c', 'Active__c', 'Seen_At__c', 'Tags__c'],
    });
    const result = await run('write', {
      catalog: catalog(foos),
      input: [
        record('foos', {
          Name: 'one',
          Score__c: '12.50',
          Active__c: 'yes',
          Seen_At__c: '2024-02-29 18:30:00',
          Tags__c: ['a', 'c'],
        }),
        record('foos', { Name: 'bad', Tags__c: ['z'] }),
        record('foos', { Name: 'late', Seen_At__c: '2024-02-30T00:00:00Z' }),
        state('foos', 1),
      ],
    });
    expect(rejectedOf(result).map((r) => [r.field, r.reason])).toEqual([
      ['Tags__c', expect.stringMatching(/"z" is not a value of the restricted picklist/)],
      ['Seen_At__c', expect.stringMatching(/expected a timestamp/)],
    ]);
    expect(fake.store.list('Foo__c').map((r) => r.fields)).toEqual([
      { Name: 'one', Score__c: 12.5, Active__c: true, Seen_At__c: '2024-02-29T18:30:00.000+0000', Tags__c: 'a;c' },
    ]);
  });

  it("mirror deletes only the records carrying keys it was sent; another tool's records stay", async () => {
    const { fake, run } = await setUp();
    const mirror = stream('people', 'mirror', { object: 'Contact', key: 'External_Id__c', fields: CONTACT_FIELDS });
    const [other] = fake.store.seed('Contact', [{ LastName: 'Other tool' }]);
    await run('write', { catalog: catalog(mirror), input: [...contacts('people', 5), state('people', 1)] });
    fake.calls.reset();
    const deleted = await run('write', {
      catalog: catalog(mirror),
      input: [
        record('people', { External_Id__c: 'C1' }, 'delete'),
        record('people', { External_Id__c: 'C3' }, 'delete'),
        record('people', { External_Id__c: 'GONE' }, 'delete'),
        state('people', 2),
      ],
    });
    expect(deleted.errors).toEqual([]);
    expect(rejectedOf(deleted)).toEqual([]);
    expect(routes(fake)).toEqual({
      'GET /sobjects/Contact/describe': 1,
      'GET /query': 1,
      'DELETE /composite/sobjects': 1,
    });
    expect(fake.store.list('Contact').map((r) => r.fields['External_Id__c'] ?? r.Id)).toEqual([
      other,
      'C0',
      'C2',
      'C4',
    ]);
    expect(fake.store.list('Contact', { deleted: true }).filter((r) => r.IsDeleted)).toHaveLength(2);
  });

  it("rejects a duplicate unique value and a reference to a missing record with Salesforce's codes", async () => {
    const { fake, run } = await setUp();
    const [account] = fake.store.seed('Account', [{ Name: 'Acme' }]);
    fake.store.seed('Foo__c', [{ Key__c: 'TAKEN' }]);
    const foos = stream('foos', 'insert', { object: 'Foo__c', fields: ['Name', 'Key__c'] });
    const deals = stream('deals', 'insert', {
      object: 'Opportunity',
      fields: ['Name', 'StageName', 'CloseDate', 'AccountId'],
    });
    const result = await run('write', {
      catalog: catalog(foos, deals),
      input: [
        record('foos', { Name: 'dup', Key__c: 'taken' }),
        record('deals', { Name: 'ok', StageName: 'Prospecting', CloseDate: '2025-03-01', AccountId: account }),
        record('deals', {
          Name: 'orphan',
          StageName: 'Prospecting',
          CloseDate: '2025-03-01',
          AccountId: '001000000000000AAA',
        }),
        state('deals', 1),
      ],
    });
    expect(rejectedOf(result).map((r) => [r.stream, r.reason.split(':')[0], r.field])).toEqual([
      ['foos', 'DUPLICATE_VALUE', undefined],
      ['deals', 'INVALID_CROSS_REFERENCE_KEY', 'AccountId'],
    ]);
    expect(fake.store.list('Opportunity').map((r) => r.fields['Name'])).toEqual(['ok']);
  });

  it('refuses at open a field that the describe says cannot be written, and a key that is not an external id', async () => {
    const { fake, run } = await setUp();
    const computed = await run('write', {
      catalog: catalog(
        stream('people', 'upsert', { object: 'Contact', key: 'External_Id__c', fields: ['External_Id__c', 'Name'] }),
      ),
      input: [...contacts('people', 1), state('people', 1)],
    });
    expect(computed.errors[0]?.message).toMatch(
      /Name of Salesforce Contact cannot be written by upsert \(the describe says createable: false/,
    );
    const badKey = await run('write', {
      catalog: catalog(stream('people', 'upsert', { object: 'Contact', key: 'Email', fields: CONTACT_FIELDS })),
      input: [state('people', 1)],
    });
    expect(badKey.errors[0]?.message).toMatch(/cannot upsert Contact by "Email".*Usable here: Id, External_Id__c/);
    expect(fake.calls.filter({ path: '/composite/*' })).toEqual([]);
  });
});
