import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, CONTACT_FIELDS, contacts, record, rejectedOf, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const people = stream('people', 'mirror', { object: 'Contact', key: 'External_Id__c', fields: CONTACT_FIELDS });

/** Bulk 2.0 calls by step, e.g. `{ create: 1, upload: 1, close: 1, poll: 2, results: 3 }`. */
function bulkSteps(fake: Awaited<ReturnType<typeof setUp>>['fake']): Record<string, number> {
  const steps: Record<string, number> = {};
  for (const call of fake.calls.filter({ path: '/jobs/ingest*' })) {
    const [, , , id, sub] = call.path.split('/');
    const step =
      id === undefined
        ? 'create'
        : sub === 'batches'
          ? 'upload'
          : sub
            ? 'results'
            : call.method === 'PATCH'
              ? 'close'
              : 'poll';
    steps[step] = (steps[step] ?? 0) + 1;
  }
  return steps;
}

describe('Bulk API 2.0', () => {
  it('sends a batch above the threshold as one ingest job and reads every result back', async () => {
    const { fake, run, time } = await setUp();
    const input = contacts('people', 2500, (i) => (i === 17 ? { Email: 'broken' } : i === 99 ? { LastName: '' } : {}));
    const result = await run('write', { catalog: catalog(people), input: [...input, state('people', 1)] });
    expect(result.errors).toEqual([]);
    expect(bulkSteps(fake)).toEqual({ create: 1, upload: 1, close: 1, poll: 2, results: 3 });
    expect(fake.calls.filter({ path: '/composite/*' })).toEqual([]);
    const [job] = [...fake.bulk.jobs.values()];
    expect(job).toMatchObject({
      operation: 'upsert',
      externalIdFieldName: 'External_Id__c',
      lineEnding: 'LF',
      state: 'JobComplete',
    });
    // The empty LastName went as #N/A (null), so Salesforce reports the required field.
    expect(rejectedOf(result).map((r) => [r.key['External_Id__c'], r.reason, r.field])).toEqual([
      ['C17', 'INVALID_EMAIL_ADDRESS: Email: invalid email address: broken (fields: Email)', 'Email'],
      ['C99', 'REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)', 'LastName'],
    ]);
    expect(fake.store.list('Contact')).toHaveLength(2498);
    // Polls wait 2 s, then 3 s, on the injected clock.
    expect(time.sleeps).toEqual([2000, 3000]);
  });

  it('mirror deletes above the threshold go through a Bulk delete job, by the ids SOQL finds', async () => {
    const { fake, run } = await setUp({}, { bulk_threshold: 0 });
    await run('write', { catalog: catalog(people), input: [...contacts('people', 1500), state('people', 1)] });
    const [other] = fake.store.seed('Contact', [{ LastName: 'Other tool', External_Id__c: 'OTHER' }]);
    fake.calls.reset();
    const deletes = Array.from({ length: 1500 }, (_, i) => record('people', { External_Id__c: `C${i}` }, 'delete'));
    const result = await run('write', { catalog: catalog(people), input: [...deletes, state('people', 2)] });
    expect(result.errors).toEqual([]);
    expect(rejectedOf(result)).toEqual([]);
    expect(fake.calls.count({ path: '/query' })).toBe(8);
    expect(bulkSteps(fake)).toEqual({ create: 1, upload: 1, close: 1, poll: 2, results: 3 });
    expect(fake.store.list('Contact').map((r) => r.Id)).toEqual([other]);
  });

  it('keeps a stream under the threshold on Collections, and maps Bulk insert and update-by-external-id results back', async () => {
    const { fake, run, config } = await setUp();
    const small = await run('write', {
      catalog: catalog(people),
      input: [...contacts('people', 1500), state('people', 1)],
    });
    expect(small.errors).toEqual([]);
    expect(fake.calls.count({ path: '/composite/sobjects/Contact/External_Id__c' })).toBe(8);
    expect(fake.bulk.jobs.size).toBe(0);

    const foos = stream('foos', 'insert', { object: 'Foo__c', fields: ['Name', 'Score__c'] });
    const rows = Array.from({ length: 1500 }, (_, i) =>
      record('foos', { Name: i === 3 ? 'x'.repeat(81) : `F${i % 700}`, Score__c: i % 700 }),
    );
    const inserted = await run('write', {
      catalog: catalog(foos),
      input: [...rows, state('foos', 1)],
      config: { ...config, bulk_threshold: 0 },
    });
    expect(rejectedOf(inserted)).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^STRING_TOO_LONG/), field: 'Name' }),
    ]);
    expect(fake.store.list('Foo__c')).toHaveLength(1499);

    const update = stream('people', 'update', {
      object: 'Contact',
      key: 'External_Id__c',
      fields: ['External_Id__c', 'LastName'],
    });
    const renames = Array.from({ length: 1500 }, (_, i) =>
      record('people', { External_Id__c: i === 0 ? 'MISSING' : `C${i}`, LastName: `New${i}` }),
    );
    const updated = await run('write', {
      catalog: catalog(update),
      input: [...renames, state('people', 1)],
      config: { ...config, bulk_threshold: 0 },
    });
    expect(rejectedOf(updated)).toEqual([
      expect.objectContaining({
        key: { External_Id__c: 'MISSING' },
        reason: expect.stringMatching(/never creates records/),
      }),
    ]);
    expect([...fake.bulk.jobs.values()].map((j) => j.operation)).toEqual(['insert', 'update']);
    expect(fake.store.list('Contact').filter((r) => String(r.fields['LastName']).startsWith('New'))).toHaveLength(1499);
  });

  it('polls with growing waits and gives up after bulk_timeout_seconds with a transient error', async () => {
    const { run, time } = await setUp({ bulkPollsInProgress: 100 }, { bulk_threshold: 0, bulk_timeout_seconds: 60 });
    const result = await run('write', {
      catalog: catalog(people),
      input: [...contacts('people', 1500), state('people', 1)],
    });
    expect(result.errors[0]).toMatchObject({
      failure_type: 'transient_error',
      message: expect.stringMatching(/Bulk 2.0 job \w+ is still InProgress after 60 s/),
    });
    expect(time.sleeps).toEqual([2000, 3000, 4500, 6750, 10125, 15187.5, 22781.25]);
  });

  it("a failed job rejects the records it did not process with Salesforce's reason", async () => {
    const { fake, run } = await setUp({}, { bulk_threshold: 0 });
    // Data reaching Salesforce with CRLF line endings while the job says LF: the whole job fails.
    const insert = stream('people', 'insert', { object: 'Contact', fields: ['LastName'] });
    const input = Array.from({ length: 1401 }, (_, i) => record('people', { LastName: `L${i}` }));
    const original = fake.bulk.upload.bind(fake.bulk);
    fake.bulk.upload = (id, _csv, type) => original(id, 'LastName\r\nbroken\r\n', type);
    const result = await run('write', { catalog: catalog(insert), input: [...input, state('people', 1)] });
    expect(result.errors).toEqual([]);
    const rejected = rejectedOf(result);
    expect(rejected).toHaveLength(1401);
    expect(rejected[0]!.reason).toMatch(
      /failed: ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF/,
    );
    expect(fake.store.list('Contact')).toHaveLength(0);
  });
});
