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
