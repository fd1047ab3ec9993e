import type { AirbyteStateMessage } from '@backflow/protocol';
import { byField, resumeFromEveryState } from '@backflow/protocol/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogOf, closeFakes, configured, setUp } from './helpers.js';

afterEach(closeFakes);

type Fake = Awaited<ReturnType<typeof setUp>>['fake'];
type Time = Awaited<ReturnType<typeof setUp>>['time'];

/** `count` contacts, `perInstant` of them written in each successive millisecond (so SystemModstamps tie). */
function seedContacts(fake: Fake, time: Time, count: number, perInstant = 1): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % perInstant === 0) void time.timing.sleep(1);
    ids.push(...fake.store.seed('Contact', [{ LastName: `L${i}`, Email: `c${i}@example.com` }]));
  }
  void time.timing.sleep(1000);
  return ids;
}

const names = (records: { data: Record<string, unknown> }[]) => records.map((r) => r.data['LastName']);
const contact = (fields: Record<string, unknown> = {}) =>
  configured('Contact', 'incremental', { LastName: {}, Email: {}, ...fields });

describe('discover and check', () => {
  it('lists each object with its describe as the schema, keyed by Id, by SystemModstamp', async () => {
    const { run } = await setUp({}, { objects: ['Account', 'Foo__c'] });
    const result = await run('discover');
    expect(result.errors).toEqual([]);
    const streams = result.catalog!.streams;
    expect(streams.map((s) => [s.name, s.default_cursor_field, s.source_defined_primary_key])).toEqual([
      ['Account', ['SystemModstamp'], [['Id']]],
      ['Foo__c', ['SystemModstamp'], [['Id']]],
    ]);
    const account = streams[0]!.json_schema.properties as Record<string, Record<string, unknown>>;
    expect(account['AnnualRevenue']).toMatchObject({ type: ['number', 'null'], salesforce_type: 'currency' });
    expect(account['NumberOfEmployees']).toMatchObject({ type: ['integer', 'null'] });
    expect(account['SystemModstamp']).toMatchObject({ type: ['string', 'null'], format: 'date-time' });
    const foo = streams[1]!.json_schema.properties as Record<string, Record<string, unknown>>;
    expect(foo['Active__c']).toMatchObject({ type: ['boolean', 'null'] });
    expect(foo['IsDeleted']).toMatchObject({ type: ['boolean', 'null'] });
  });

  it('check names an object the org does not have', async () => {
    const { run } = await setUp({}, { objects: ['Contact', 'Bicycle__c'] });
    const result = await run('check');
    expect(result.connectionStatus?.status).toBe('FAILED');
    expect(result.connectionStatus?.message).toMatch(/objects: sObject "Bicycle__c" does not exist/);
  });

  it('refuses an API version without Bulk API 2.0 query', async () => {
    const { run } = await setUp({}, { api_version: '46.0' });
    const result = await run('check');
    expect(result.connectionStatus?.message).toMatch(/api_version 46.0 is too old/);
  });
});

describe('read through REST query', () => {
  it('reads live records in full, values typed as the schema says', async () => {
    const { fake, run } = await setUp();
    const [, gone] = fake.store.seed('Account', [
      { Name: 'Acme', AnnualRevenue: 1200.5, NumberOfEmployees: 12 },
      { Name: 'Gone' },
      { Name: 'Small' },
    ]);
    fake.store.delete(fake.store.get('Account', gone!)!);
    const result = await run('read', {
      catalog: catalogOf(configured('Account', 'full_refresh', { Name: {}, AnnualRevenue: {}, NumberOfEmployees: {} })),
    });
    expect(result.errors).toEqual([]);
    expect(result.records.map((r) => [r.data['Name'], r.data['AnnualRevenue'], r.data['NumberOfEmployees']])).toEqual([
      ['Acme', 1200.5, 12],
      ['Small', null, null],
    ]);
    expect(result.records[0]!.data['SystemModstamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(result.states).toEqual([]);
    expect(fake.calls.records.some((c) => c.path.startsWith('/queryAll'))).toBe(false);
  });

  it('resumes from every STATE it emitted without losing or repeating a record, ties on SystemModstamp included', async () => {
    const { fake, time, run } = await setUp();
    const count = 4500;
    seedContacts(fake, time, count, 7);
    const catalog = catalogOf(contact());
    const full = await run('read', { catalog });
    expect(full.errors).toEqual([]);
    expect(names(full.records)).toEqual(Array.from({ length: count }, (_, i) => `L${i}`));
    // One STATE per REST page of 2,000; 2,000 is no multiple of 7, so pages end inside a SystemModstamp.
    expect(full.states).toHaveLength(3);
    const report = await resumeFromEveryState(
      full.messages,
      async (state) => (await run('read', { catalog, state: [state] })).messages,
      byField('Id'),
    );
    expect(report.checkpoints.map((c) => c.before.length)).toEqual([2000, 4000, 4500]);
    expect(report.problems).toEqual([]);
  });

  it('a rerun from the last STATE sends only the records edited or deleted since', async () => {
    const { fake, time, run } = await setUp();
    const ids = seedContacts(fake, time, 5);
    const catalog = catalogOf(contact());
    const first = await run('read', { catalog });
    expect(first.records.every((r) => r.data['IsDeleted'] === false)).toBe(true);
    await time.timing.sleep(60_000);
    fake.store.update(fake.store.get('Contact', ids[3]!)!, { LastName: 'Edited' });
    await time.timing.sleep(1000);
    fake.store.delete(fake.store.get('Contact', ids[1]!)!);
    const rerun = await run('read', { catalog, state: [first.states.at(-1) as AirbyteStateMessage] });
    expect(rerun.errors).toEqual([]);
    expect(rerun.records.map((r) => [r.data['Id'], r.data['LastName'], r.data['IsDeleted']])).toEqual([
      [ids[3], 'Edited', false],
      [ids[1], 'L1', true],
    ]);
    expect(fake.calls.records.some((c) => c.path.startsWith('/queryAll'))).toBe(true);
    const unchanged = await run('read', { catalog, state: [rerun.states.at(-1) as AirbyteStateMessage] });
    expect(unchanged.records).toEqual([]);
    expect(unchanged.states.at(-1)!.stream!.stream_state).toEqual(rerun.states.at(-1)!.stream!.stream_state);
  });

  it('leaves the recycle bin out when include_deleted is false', async () => {
    const { fake, time, run } = await setUp({}, { include_deleted: false });
    const ids = seedContacts(fake, time, 3);
    fake.store.delete(fake.store.get('Contact', ids[0]!)!);
    const result = await run('read', { catalog: catalogOf(contact()) });
    expect(names(result.records)).toEqual(['L1', 'L2']);
    expect(fake.calls.records.some((c) => c.path.startsWith('/queryAll'))).toBe(false);
  });

  it('retries a 503 and renews an expired session once, then goes on', async () => {
    const { fake, time, run } = await setUp();
    seedContacts(fake, time, 3);
    fake.failNext({ status: 503, path: '/query' });
    fake.endSessionsAt('/sobjects/Contact/describe');
    const result = await run('read', { catalog: catalogOf(configured('Contact', 'full_refresh')) });
    expect(result.errors).toEqual([]);
    expect(result.records).toHaveLength(3);
    expect(time.sleeps.length).toBeGreaterThan(0);
    expect(fake.calls.records.filter((c) => c.status === 401)).toHaveLength(1);
  });
});

describe('read through Bulk API 2.0 query jobs', () => {
  it('reads an object above bulk_threshold through a query job, paging results by Sforce-Locator', async () => {
    const { fake, time, run } = await setUp({ bulkPollsInProgress: 3 }, { bulk_threshold: 100, bulk_page_records: 60 });
    const ids = seedContacts(fake, time, 150, 4);
    fake.store.delete(fake.store.get('Contact', ids[10]!)!);
    fake.store.update(fake.store.get('Contact', ids[0]!)!, { HasOptedOutOfEmail: true, Health_Score__c: 7.25 });
    const catalog = catalogOf(contact({ HasOptedOutOfEmail: {}, Health_Score__c: {}, Phone: {} }));
    const result = await run('read', { catalog });
    expect(result.errors).toEqual([]);
    expect(fake.bulkQuery.created).toHaveLength(1);
    expect(fake.bulkQuery.created[0]!.operation).toBe('queryAll');
    expect(fake.bulkQuery.created[0]!.query).not.toMatch(/ORDER BY/);
    const results = fake.calls.records.filter((c) => /^\/jobs\/query\/[^/]+\/results$/.test(c.path));
    expect(results).toHaveLength(3);
    expect(new Set(result.records.map((r) => r.data['Id']))).toEqual(new Set(ids));
    expect(result.records).toHaveLength(150);
    const deleted = result.records.find((r) => r.data['Id'] === ids[10])!;
    expect(deleted.data['IsDeleted']).toBe(true);
    const live = result.records.find((r) => r.data['Id'] === ids[0])!;
    expect(live.data['HasOptedOutOfEmail']).toBe(true);
    expect(live.data['Health_Score__c']).toBe(7.25);
    expect(live.data['Phone']).toBeNull();
    // One STATE, at the end: the job's rows come unordered.
    expect(result.states).toHaveLength(1);
    await time.timing.sleep(5000);
    fake.store.update(fake.store.get('Contact', ids[42]!)!, { LastName: 'Edited' });
    const rerun = await run('read', { catalog, state: [result.states[0]!] });
    expect(rerun.records.map((r) => [r.data['Id'], r.data['LastName']])).toEqual([[ids[42], 'Edited']]);
    expect(fake.bulkQuery.created).toHaveLength(1);
  });

  it('fails with a transient error when the job outlives bulk_timeout_seconds', async () => {
    const { fake, time, run } = await setUp(
      { bulkPollsInProgress: 1000 },
      { bulk_threshold: 0, bulk_poll_seconds: 5, bulk_timeout_seconds: 60 },
    );
    seedContacts(fake, time, 3);
    const result = await run('read', { catalog: catalogOf(configured('Contact', 'full_refresh')) });
    expect(result.errors[0]?.failure_type).toBe('transient_error');
    expect(result.errors[0]?.message).toMatch(/still InProgress after 60 s \(bulk_timeout_seconds\)/);
  });
});

describe('secrets', () => {
  it('never prints the client secret', async () => {
    const { fake, run } = await setUp({}, { objects: ['Nope__c'] });
    const result = await run('check');
    expect(JSON.stringify(result.messages)).not.toContain(fake.clientSecret);
  });
});
