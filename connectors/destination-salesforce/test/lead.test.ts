import { afterEach, describe, expect, it } from 'vitest';
import { catalog, closeFakes, record, rejectedOf, routes, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const leads = stream('leads', 'upsert', {
  object: 'Lead',
  key: 'External_Id__c',
  fields: ['External_Id__c', 'LastName', 'Company', 'Email', 'Status'],
});

describe('Lead', () => {
  it('upserts leads by an external id; a status outside the restricted picklist and a missing company are rejected, naming the field', async () => {
    const { fake, run } = await setUp();
    const first = await run('write', {
      catalog: catalog(leads),
      input: [
        record('leads', {
          External_Id__c: 'L0',
          LastName: 'Lovelace',
          Company: 'Analytical Engines',
          Email: 'ada@example.com',
        }),
        record('leads', { External_Id__c: 'L1', LastName: 'Hopper', Company: 'Navy', Status: 'Working - Contacted' }),
        record('leads', { External_Id__c: 'L2', LastName: 'Turing', Company: 'NPL', Status: 'Qualified' }),
        record('leads', { External_Id__c: 'L3', LastName: 'Noether', Company: null }),
        state('leads', 1),
      ],
    });
    expect(first.errors).toEqual([]);
    expect(rejectedOf(first).map((r) => [r.key['External_Id__c'], r.field, r.reason])).toEqual([
      // Refused before sending: the describe lists Status's values and marks it restricted.
      [
        'L2',
        'Status',
        'Status: "Qualified" is not a value of the restricted picklist (Open - Not Contacted, Working - Contacted, Closed - Converted)',
      ],
      ['L3', 'Company', 'REQUIRED_FIELD_MISSING: Required fields are missing: [Company] (fields: Company)'],
    ]);
    expect(routes(fake)).toEqual({
      'GET /sobjects/Lead/describe': 1,
      'PATCH /composite/sobjects/Lead/External_Id__c': 1,
    });
    const byKey = () => new Map(fake.store.list('Lead').map((r) => [r.fields['External_Id__c'], r.fields]));
    expect([...byKey().keys()]).toEqual(['L0', 'L1']);
    expect(byKey().get('L0')).toMatchObject({
      LastName: 'Lovelace',
      Company: 'Analytical Engines',
      Email: 'ada@example.com',
    });
    expect(byKey().get('L1')).toMatchObject({ LastName: 'Hopper', Status: 'Working - Contacted' });

    const second = await run('write', {
      catalog: catalog(leads),
      input: [
        record('leads', {
          External_Id__c: 'L0',
          LastName: 'Lovelace',
          Company: 'Analytical Engines',
          Status: 'Closed - Converted',
        }),
        state('leads', 2),
      ],
    });
    expect(rejectedOf(second)).toEqual([]);
    expect(byKey().size).toBe(2);
    expect(byKey().get('L0')).toMatchObject({ Status: 'Closed - Converted' });
  });
});
