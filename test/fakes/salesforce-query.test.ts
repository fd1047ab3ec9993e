import jsforce from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceFake, type SalesforceFake } from './salesforce/index.js';

// The fake's read side — queryAll, WHERE with OR and parentheses, Bulk API 2.0 query jobs —
// against the rules listed in test/fakes/README.md.

let fake: SalesforceFake;
let token: string;
let instance: string;

beforeEach(async () => {
  let now = Date.UTC(2025, 0, 15, 12);
  fake = await startSalesforceFake({ now: () => now++ });
  const oauth2 = new jsforce.OAuth2({
    loginUrl: fake.loginUrl,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
  });
  const answer = await oauth2.requestToken({ grant_type: 'client_credentials' });
  token = answer.access_token;
  instance = answer.instance_url;
});
afterEach(() => fake.close());

const call = async (path: string, init: { method?: string; body?: unknown; version?: string } = {}) => {
  const response = await fetch(`${instance}/services/data/v${init.version ?? '62.0'}${path}`, {
    method: init.method ?? 'GET',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
};
const soql = (q: string, resource = 'query') => call(`/${resource}?q=${encodeURIComponent(q)}`);

describe('Salesforce fake: reads', () => {
  it('queryAll returns the recycle bin, query does not', async () => {
    const [a, b] = fake.store.seed('Contact', [{ LastName: 'A' }, { LastName: 'B' }]);
    fake.store.delete(fake.store.get('Contact', b!)!);
    const live = (await (await soql('SELECT Id FROM Contact')).json()) as { records: { Id: string }[] };
    expect(live.records.map((r) => r.Id)).toEqual([a]);
    const all = (await (await soql('SELECT Id, IsDeleted FROM Contact', 'queryAll')).json()) as {
      records: { Id: string; IsDeleted: boolean }[];
    };
    expect(all.records.map((r) => [r.Id, r.IsDeleted])).toEqual([
      [a, false],
      [b, true],
    ]);
  });

  it('evaluates OR and parentheses, and refuses AND beside OR without them', async () => {
    const ids = fake.store.seed('Contact', [{ LastName: 'A' }, { LastName: 'B' }, { LastName: 'C' }]);
    const stamp = fake.store.get('Contact', ids[1]!)!.SystemModstamp.replace('+0000', 'Z');
    const answer = await soql(
      `SELECT Id FROM Contact WHERE (SystemModstamp > ${stamp} OR (SystemModstamp = ${stamp} AND Id > '${ids[0]}')) ORDER BY SystemModstamp, Id`,
    );
    expect(((await answer.json()) as { records: { Id: string }[] }).records.map((r) => r.Id)).toEqual(ids.slice(1));
    const mixed = await soql("SELECT Id FROM Contact WHERE LastName = 'A' AND LastName = 'B' OR LastName = 'C'");
    expect(mixed.status).toBe(400);
    expect(mixed.json()).toEqual([expect.objectContaining({ errorCode: 'MALFORMED_QUERY' })]);
  });

  it('runs a Bulk 2.0 query job: polled to JobComplete, results paged by Sforce-Locator', async () => {
    fake.store.seed(
      'Contact',
      Array.from({ length: 5 }, (_, i) => ({ LastName: `L${i}`, Health_Score__c: i === 0 ? null : i })),
    );
    const created = (await (
      await call('/jobs/query', {
        method: 'POST',
        body: { operation: 'query', query: 'SELECT LastName, Health_Score__c FROM Contact' },
      })
    ).json()) as { id: string; state: string };
    expect(created.state).toBe('UploadComplete');
    const early = await call(`/jobs/query/${created.id}/results`);
    expect(early.status).toBe(400);
    expect(((await (await call(`/jobs/query/${created.id}`)).json()) as { state: string }).state).toBe('InProgress');
    expect(((await (await call(`/jobs/query/${created.id}`)).json()) as { state: string }).state).toBe('JobComplete');
    expect((await call(`/jobs/query/${created.id}/results`, { version: '61.0' })).status).toBe(409);
    const first = await call(`/jobs/query/${created.id}/results?maxRecords=3`);
    expect(first.text).toBe('"LastName","Health_Score__c"\n"L0",\n"L1","1"\n"L2","2"\n');
    expect(first.headers.get('sforce-numberofrecords')).toBe('3');
    const locator = first.headers.get('sforce-locator')!;
    const second = await call(`/jobs/query/${created.id}/results?maxRecords=3&locator=${locator}`);
    expect(second.text).toBe('"LastName","Health_Score__c"\n"L3","3"\n"L4","4"\n');
    expect(second.headers.get('sforce-locator')).toBe('null');
  });

  it('refuses aggregates and unknown operations in a Bulk query job', async () => {
    const count = await call('/jobs/query', {
      method: 'POST',
      body: { operation: 'query', query: 'SELECT COUNT() FROM Contact' },
    });
    expect(count.status).toBe(400);
    const insert = await call('/jobs/query', {
      method: 'POST',
      body: { operation: 'insert', query: 'SELECT Id FROM Contact' },
    });
    expect(insert.json()).toEqual([expect.objectContaining({ errorCode: 'INVALIDJOB' })]);
  });
});
