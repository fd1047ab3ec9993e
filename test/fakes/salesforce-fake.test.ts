import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsforce from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceFake, type SalesforceCall, type SalesforceFake } from './salesforce/index.js';

// The fake against Salesforce's published request samples and documented rules, through
// jsforce, the client the destination uses.

const SAMPLES = fileURLToPath(new URL('./salesforce/samples', import.meta.url));

let fake: SalesforceFake;
let conn: InstanceType<typeof jsforce.Connection>;

beforeEach(async () => {
  fake = await startSalesforceFake();
  const oauth2 = new jsforce.OAuth2({
    loginUrl: fake.loginUrl,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
  });
  const token = await oauth2.requestToken({ grant_type: 'client_credentials' });
  conn = new jsforce.Connection({ instanceUrl: token.instance_url, accessToken: token.access_token, version: '62.0' });
});
afterEach(() => fake.close());

describe('Salesforce fake', () => {
  it('answers sObject Collections per record, in order, with the documented error shapes', async () => {
    const created = await conn.create(
      'Contact',
      [{ LastName: 'A', Email: 'a@example.com' }, { Email: 'b@example.com' }, { LastName: 'C', Email: 'nope' }],
      { allOrNone: false },
    );
    expect(created).toEqual([
      { id: expect.stringMatching(/^003\w{15}$/), success: true, errors: [] },
      {
        id: null,
        success: false,
        errors: [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Required fields are missing: [LastName]',
            fields: ['LastName'],
          },
        ],
      },
      {
        id: null,
        success: false,
        errors: [
          { statusCode: 'INVALID_EMAIL_ADDRESS', message: 'Email: invalid email address: nope', fields: ['Email'] },
        ],
      },
    ]);
    const tooMany = Array.from({ length: 201 }, (_, i) => ({ LastName: `L${i}` }));
    await expect(conn.create('Contact', tooMany, { allOrNone: false })).rejects.toMatchObject({
      errorCode: 'EXCEEDED_ID_LIMIT',
    });
    await expect(
      conn.create('Contact', [{ LastName: 'D', Birthdate: '2024-02-30' }], { allOrNone: false }),
    ).rejects.toMatchObject({
      errorCode: 'JSON_PARSER_ERROR',
    });
    expect(fake.store.list('Contact')).toHaveLength(1);
  });

  it('pages SOQL results through nextRecordsUrl and filters by datetime for incremental readers', async () => {
    fake.store.seed(
      'Account',
      Array.from({ length: 450 }, (_, i) => ({ Name: `A${i}`, External_Id__c: `K${i}` })),
    );
    const first = await conn.request<{ totalSize: number; done: boolean; nextRecordsUrl?: string; records: unknown[] }>(
      {
        method: 'GET',
        url: `/query?q=${encodeURIComponent('SELECT Id, Name FROM Account WHERE External_Id__c != null ORDER BY Name DESC')}`,
        headers: { 'Sforce-Query-Options': 'batchSize=200' },
      },
    );
    expect(first).toMatchObject({
      totalSize: 450,
      done: false,
      nextRecordsUrl: expect.stringMatching(/^\/services\/data\/v62\.0\/query\/01g/),
    });
    expect(first.records).toHaveLength(200);
    const all = await conn.query('SELECT Id, SystemModstamp FROM Account ORDER BY SystemModstamp DESC', {
      autoFetch: true,
      maxFetch: 10_000,
    });
    expect(all.records).toHaveLength(450);
    const stamp = (all.records[0] as { SystemModstamp: string }).SystemModstamp;
    const later = await conn.query(`SELECT Id FROM Account WHERE SystemModstamp > ${stamp.replace('+0000', 'Z')}`);
    expect(later.totalSize).toBe(0);
    await expect(conn.query('SELECT Nope FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(conn.query('SELECT Id FROM Account WHERE')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
  });

  it('runs a Bulk 2.0 job through its states and applies the CSV null and line-ending rules', async () => {
    const [id] = fake.store.seed('Contact', [{ LastName: 'Old', Email: 'old@example.com', External_Id__c: 'K1' }]);
    const job = conn.bulk2.createJob({
      object: 'Contact',
      operation: 'upsert',
      externalIdFieldName: 'External_Id__c',
      lineEnding: 'LF',
    });
    await job.open();
    await job.uploadData('External_Id__c,LastName,Email\nK1,,#N/A\nK2,New,bad\n');
    await job.close();
    expect((await job.check()).state).toBe('InProgress');
    expect((await job.check()).state).toBe('JobComplete');
    expect(await job.getSuccessfulResults()).toEqual([
      { sf__Id: id, sf__Created: 'false', External_Id__c: 'K1', LastName: '', Email: '#N/A' },
    ]);
    expect(await job.getFailedResults()).toEqual([
      {
        sf__Id: '',
        sf__Error: 'INVALID_EMAIL_ADDRESS:Email: invalid email address: bad:Email --',
        External_Id__c: 'K2',
        LastName: 'New',
        Email: 'bad',
      },
    ]);
    // The empty LastName left the field alone; #N/A cleared Email.
    expect(fake.store.get('Contact', id!)?.fields).toMatchObject({ LastName: 'Old', Email: null });

    const crlf = conn.bulk2.createJob({ object: 'Contact', operation: 'insert' });
    await crlf.open();
    await crlf.uploadData('LastName\r\nX\r\n');
    await crlf.close();
    await crlf.check();
    expect(await crlf.check()).toMatchObject({
      state: 'Failed',
      errorMessage: 'ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF',
    });
    expect(await crlf.getUnprocessedRecords()).toEqual([{ LastName: 'X' }]);
  });

  it('sends and serves only requests that match the published request samples', async () => {
    const samples = await loadSamples();
    await conn.create('Contact', [{ LastName: 'A' }], { allOrNone: false });
    const [saved] = fake.store.list('Contact');
    await conn.update('Contact', [{ Id: saved!.Id, LastName: 'B' }], { allOrNone: false });
    await conn.destroy('Contact', [saved!.Id], { allOrNone: false });
    const job = conn.bulk2.createJob({ object: 'Contact', operation: 'insert' });
    await job.open();
    await job.uploadData('LastName\nZ\n');
    await job.close();
    await job.check();
    await job.check();
    await job.getAllResults();
    const calls = fake.calls.records as SalesforceCall[];
    expect(calls).toHaveLength(11);
    for (const call of calls) {
      const sample = samples.find((s) => s.method === call.method && s.path.test(call.path));
      expect(sample, `${call.method} ${call.path} has a request sample`).toBeDefined();
      if (sample!.contentType) expect(call.contentType?.split(';')[0]).toBe(sample!.contentType);
      expect(call.status).toBeLessThan(300);
    }
  });
});

/** The Postman fragments as method, path pattern (after /services/data/vXX.X) and content type. */
async function loadSamples(): Promise<{ method: string; path: RegExp; contentType: string | undefined }[]> {
  const samples = [];
  for (const dir of ['composite', 'bulk_v2'])
    for (const file of await readdir(join(SAMPLES, dir))) {
      const sample = JSON.parse(await readFile(join(SAMPLES, dir, file), 'utf8')) as {
        method: string;
        url: string;
        headerData: { key: string; value: string }[];
      };
      const template = sample.url.replace('{{_endpoint}}/services/data/v{{version}}', '').split('?')[0]!;
      // `<SOBJECT_API_NAME>` is optional: the collection puts it in update and delete URLs, the
      // REST API guide does not (PATCH and DELETE /composite/sobjects); both forms are accepted.
      const pattern = template
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\/<\w+>/g, '(?:/[^/]+)?')
        .replace(/\{\{\w+\}\}/g, '[^/]+');
      const contentType = sample.headerData.find((h) => h.key.toLowerCase() === 'content-type')?.value;
      samples.push({
        method: sample.method,
        path: new RegExp(`^${pattern}$`),
        contentType: sample.method === 'GET' || sample.method === 'DELETE' ? undefined : contentType,
      });
    }
  return samples;
}
