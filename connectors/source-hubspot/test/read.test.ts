import type { AirbyteStateMessage } from '@backflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { SEARCH_WINDOW } from '../src/index.js';
import { catalogOf, closeFakes, configured, setUp } from './helpers.js';

afterEach(closeFakes);

type Fake = Awaited<ReturnType<typeof setUp>>['fake'];
type Time = Awaited<ReturnType<typeof setUp>>['time'];

/** `count` contacts, `perInstant` of them modified at each successive second. */
function seedContacts(fake: Fake, time: Time, count: number, perInstant = 1) {
  const start = time.now();
  for (let i = 0; i < count; i++) {
    time.set(start + Math.floor(i / perInstant) * 1000);
    fake.store.seed('contacts', [{ properties: { email: `c${i}@example.com`, firstname: `C${i}` } }]);
  }
  time.set(start + count * 1000);
}

const emails = (records: { data: Record<string, unknown> }[]) => records.map((r) => r.data['email']);

describe('discover', () => {
  it('lists each object with its properties as the schema, keyed by hs_object_id, by last-modified date', async () => {
    const { run } = await setUp();
    const result = await run('discover');
    expect(result.errors).toEqual([]);
    const streams = result.catalog!.streams;
    expect(streams.map((s) => [s.name, s.default_cursor_field, s.source_defined_primary_key])).toEqual([
      ['contacts', ['lastmodifieddate'], [['hs_object_id']]],
      ['companies', ['hs_lastmodifieddate'], [['hs_object_id']]],
      ['deals', ['hs_lastmodifieddate'], [['hs_object_id']]],
    ]);
    expect((streams[2]!.json_schema.properties as Record<string, unknown>)['amount']).toMatchObject({
      type: ['null', 'number'],
    });
  });

  it('check names an object the account does not have', async () => {
    const { run } = await setUp({}, { object_types: ['contacts', 'bicycles'] });
    const result = await run('check');
    expect(result.connectionStatus?.status).toBe('FAILED');
    expect(result.connectionStatus?.message).toMatch(
      /^object type "bicycles": HubSpot answered 400: Unable to infer object type from: bicycles/,
    );
  });
});

describe('read', () => {
  it('reads every record in full, values typed as the schema says', async () => {
    const { fake, run } = await setUp();
    fake.store.seed('deals', [
      { properties: { dealname: 'Big', amount: '1200.5', dealstage: 'appointmentscheduled', pipeline: 'default' } },
      { properties: { dealname: 'Small', dealstage: 'appointmentscheduled', pipeline: 'default' } },
    ]);
    const result = await run('read', { catalog: catalogOf(configured('deals', 'full_refresh')) });
    expect(result.errors).toEqual([]);
    expect(result.records.map((r) => [r.data['dealname'], r.data['amount']])).toEqual([
      ['Big', 1200.5],
      ['Small', null],
    ]);
    expect(result.states).toEqual([]);
  });

  it('resumes from every STATE it emitted without losing or repeating a record', async () => {
    const { fake, time, run } = await setUp({}, { page_size: 7 });
    seedContacts(fake, time, 40, 3);
    const catalog = catalogOf(configured('contacts', 'incremental', { email: {}, firstname: {} }));
    const full = await run('read', { catalog });
    expect(emails(full.records)).toEqual(Array.from({ length: 40 }, (_, i) => `c${i}@example.com`));
    expect(full.states.length).toBe(Math.ceil(40 / 7));
    // Records emitted before each STATE, in the order of the full read.
    const before: number[] = [];
    let seen = 0;
    for (const message of full.messages) {
      if (message.type === 'RECORD') seen++;
      if (message.type === 'STATE') before.push(seen);
    }
    for (const [index, state] of full.states.entries()) {
      const resumed = await run('read', { catalog, state: [state] });
      expect(emails(resumed.records)).toEqual(emails(full.records.slice(before[index])));
    }
  });

  it('a rerun from the last STATE sends only the records edited since', async () => {
    const { fake, time, run } = await setUp();
    seedContacts(fake, time, 5);
    const catalog = catalogOf(configured('contacts', 'incremental'));
    const first = await run('read', { catalog });
    const client = fake.store.list('contacts');
    time.set(time.now() + 60_000);
    await fetch(`${fake.url}/crm/v3/objects/contacts/batch/update`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${fake.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ inputs: [{ id: client[3]!.id, properties: { firstname: 'Edited' } }] }),
    });
    const rerun = await run('read', { catalog, state: [first.states.at(-1) as AirbyteStateMessage] });
    expect(rerun.records.map((r) => [r.data['email'], r.data['firstname']])).toEqual([['c3@example.com', 'Edited']]);
    const unchanged = await run('read', { catalog, state: [rerun.states.at(-1) as AirbyteStateMessage] });
    expect(unchanged.records).toEqual([]);
  });

  it(`reads past HubSpot's ${SEARCH_WINDOW}-result window by re-anchoring, each record once`, async () => {
    const { fake, time, run } = await setUp();
    const count = SEARCH_WINDOW + 700;
    seedContacts(fake, time, count, 4);
    const result = await run('read', { catalog: catalogOf(configured('contacts', 'incremental', { email: {} })) });
    expect(result.errors).toEqual([]);
    const ids = result.records.map((r) => r.data['hs_object_id']);
    expect(new Set(ids).size).toBe(count);
    expect(ids).toHaveLength(count);
    // Paced under five searches a second: HubSpot's search limit was never hit.
    expect(fake.calls.rateLimited).toBe(0);
  });

  it('waits as Retry-After says when HubSpot answers 429, then goes on', async () => {
    const { fake, time, run } = await setUp();
    seedContacts(fake, time, 3);
    fake.failNext({ status: 429, times: 1, retryAfter: 7, path: '/crm/v3/objects/contacts/search' });
    const result = await run('read', { catalog: catalogOf(configured('contacts', 'full_refresh')) });
    expect(result.errors).toEqual([]);
    expect(result.records).toHaveLength(3);
    expect(time.sleeps).toContain(7000);
  });

  it('reads custom objects by name or objectTypeId, typed by their properties', async () => {
    const { fake, run } = await setUp(
      {
        customObject: {
          name: 'vehicles',
          objectTypeId: '2-7777',
          properties: [
            { name: 'vin', type: 'string', fieldType: 'text', hasUniqueValue: true },
            { name: 'mileage', type: 'number', fieldType: 'number' },
          ],
        },
      },
      { object_types: ['2-7777'] },
    );
    fake.store.seed('vehicles', [{ properties: { vin: 'V1', mileage: '12000' } }, { properties: { vin: 'V2' } }]);
    const discovered = await run('discover');
    expect(discovered.catalog!.streams.map((s) => [s.name, s.default_cursor_field])).toEqual([
      ['2-7777', ['hs_lastmodifieddate']],
    ]);
    const result = await run('read', { catalog: catalogOf(configured('2-7777', 'incremental')) });
    expect(result.errors).toEqual([]);
    expect(result.records.map((r) => [r.data['vin'], r.data['mileage']])).toEqual([
      ['V1', 12000],
      ['V2', null],
    ]);
    expect(result.states).toHaveLength(1);
  });
});
