import { generateKeyPairSync, sign } from 'node:crypto';
import {
  BigQuery,
  BigQueryDate,
  BigQueryDatetime,
  BigQueryInt,
  BigQueryTime,
  BigQueryTimestamp,
} from '@google-cloud/bigquery';
import type { BigQueryOptions } from '@google-cloud/bigquery';
import { JWT } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { responseViolations, startBigQueryFake } from './bigquery/index.js';
import type { BigQueryFake, ServiceAccountKey } from './bigquery/index.js';

const PROJECT = 'backflow-test-proj';
const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

// google-auth-library posts every JWT-bearer exchange to Google's fixed token URL and
// ignores the key file's token_uri; this client honours token_uri through an interceptor
// on its own transporter (an injected client, not a patched module).
function authClientFor(credentials: ServiceAccountKey, scopes = [BIGQUERY_SCOPE]): JWT {
  const jwt = new JWT({
    email: credentials.client_email,
    key: credentials.private_key,
    keyId: credentials.private_key_id,
    scopes,
  });
  jwt.transporter.interceptors.request.add({
    resolved: async (config) => {
      if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(credentials.token_uri);
      return config;
    },
  });
  return jwt;
}

function clientFor(fake: BigQueryFake, credentials = fake.credentials, options: BigQueryOptions = {}): BigQuery {
  return new BigQuery({
    projectId: fake.projectId,
    apiEndpoint: fake.url,
    authClient: authClientFor(credentials),
    // Retries back off for at most 50 ms here, so retry tests stay fast.
    retryOptions: { maxRetryDelay: 0.05 },
    ...options,
  });
}

async function rawCall(
  fake: BigQueryFake,
  path: string,
  init: RequestInit & { token?: string | null } = {},
): Promise<{ status: number; body: any }> {
  const token = init.token === undefined ? (await authClientFor(fake.credentials).getAccessToken()).token : init.token;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${fake.url}/bigquery/v2/projects/${fake.projectId}${path}`, { ...init, headers });
  return { status: response.status, body: await response.json() };
}

function signJwt(privateKey: string, claims: Record<string, unknown>): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
}

async function exchange(fake: BigQueryFake, assertion: string): Promise<{ status: number; body: any }> {
  const response = await fetch(fake.tokenUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
  });
  return { status: response.status, body: await response.json() };
}

// Every successful answer the fake gave must fit Google's response schema.
function expectResponsesWithinSpec(fake: BigQueryFake): void {
  const problems = fake.requests
    .filter((request) => request.status === 200 && request.method !== 'token')
    .flatMap((request) =>
      responseViolations(request.method, request.response).map((problem) => `${request.method}: ${problem}`),
    );
  expect(problems).toEqual([]);
}

describe('BigQuery fake', () => {
  let fake: BigQueryFake;
  let bigquery: BigQuery;

  beforeAll(async () => {
    fake = await startBigQueryFake({ projectId: PROJECT, datasets: ['analytics', 'empty'] });
    await fake.db.run(`
      CREATE TABLE analytics.users AS
        SELECT range AS id, 'user-' || range AS name, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(range) AS updated_at
        FROM range(2500);
      CREATE TABLE analytics.all_types (
        i BIGINT NOT NULL, n DECIMAL(38, 9), n2 DECIMAL(10, 2), bn DECIMAL(38, 20), h HUGEINT, f DOUBLE,
        b BOOLEAN, s VARCHAR, y BLOB, d DATE, dt TIMESTAMP, t TIME, ts TIMESTAMPTZ, j JSON,
        r STRUCT(a INTEGER, tags VARCHAR[], inner_rec STRUCT(x DOUBLE)), arr INTEGER[],
        recs STRUCT(k VARCHAR, v BIGINT)[], m MAP(VARCHAR, INTEGER), iv INTERVAL, u UUID
      );
      COMMENT ON COLUMN analytics.all_types.s IS 'free text';
      INSERT INTO analytics.all_types VALUES (
        9007199254740993, 12345.5, 7.25, 0.12345678901234567891, 170141183460469231731687303715884105727, 1.5e-7,
        true, 'héllo "world"', '\\x00\\xFFab'::BLOB, DATE '2024-02-29', TIMESTAMP '2024-02-29 12:34:56.123456',
        TIME '08:09:10.5', TIMESTAMPTZ '2024-02-29 12:34:56.123456+00', '{"k": [1, 2]}',
        {'a': 1, 'tags': ['x', 'y'], 'inner_rec': {'x': 2.5}}, [3, 1, 2],
        [{'k': 'a', 'v': 1}, {'k': 'b', 'v': 2}], MAP {'one': 1}, INTERVAL 3 DAY + INTERVAL 4 HOUR,
        'f47ac10b-58cc-4372-a567-0e02b2c3d479'
      );
      INSERT INTO analytics.all_types (i) VALUES (2);
      CREATE VIEW analytics.recent_users AS SELECT * FROM analytics.users WHERE id > 2400;
    `);
    bigquery = clientFor(fake);
  });

  afterAll(async () => {
    expectResponsesWithinSpec(fake);
    await fake.close();
  });

  describe('auth', () => {
    test('exchanges a signed JWT for a token once and sends it as a bearer token', async () => {
      const client = clientFor(fake);
      const before = fake.calls.token ?? 0;
      await client.dataset('analytics').get();
      await client.dataset('analytics').table('users').get();
      expect((fake.calls.token ?? 0) - before).toBe(1);
      const exchangeRequest = fake.requests.filter((request) => request.method === 'token').at(-1);
      expect(exchangeRequest?.status).toBe(200);
      expect(exchangeRequest?.response).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    });

    test('rejects calls without a bearer token, or with an unknown one, with 401', async () => {
      const missing = await rawCall(fake, '/datasets/analytics', { token: null });
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({
        error: {
          code: 401,
          message: expect.stringContaining('Request is missing required authentication credential'),
          errors: [expect.objectContaining({ reason: 'required', domain: 'global', location: 'Authorization' })],
          status: 'UNAUTHENTICATED',
        },
      });
      const bogus = await rawCall(fake, '/datasets/analytics', { token: 'ya29.not-issued-here' });
      expect(bogus.status).toBe(401);
      expect(bogus.body.error.errors[0].reason).toBe('authError');
    });

    test('refuses assertions signed by another key, expired, or for another audience', async () => {
      const nowS = Math.floor(Date.now() / 1000);
      const claims = {
        iss: fake.credentials.client_email,
        scope: BIGQUERY_SCOPE,
        aud: GOOGLE_TOKEN_URL,
        iat: nowS,
        exp: nowS + 3600,
      };
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();

      expect((await exchange(fake, signJwt(fake.credentials.private_key, claims))).status).toBe(200);
      expect(await exchange(fake, signJwt(stranger, claims))).toEqual({
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
      });
      const expired = await exchange(
        fake,
        signJwt(fake.credentials.private_key, { ...claims, iat: nowS - 7200, exp: nowS - 3600 }),
      );
      expect(expired.body.error).toBe('invalid_grant');
      expect(expired.body.error_description).toMatch(/short-lived token/);
      const elsewhere = await exchange(
        fake,
        signJwt(fake.credentials.private_key, { ...claims, aud: 'https://example.com/token' }),
      );
      expect(elsewhere.body).toEqual({
        error: 'invalid_grant',
        error_description: 'Invalid JWT: Failed audience check.',
      });
    });

    test('short-lived tokens are fetched again, and expired ones are refused', async () => {
      const shortLived = await startBigQueryFake({ projectId: PROJECT, datasets: ['d'], tokenTtlSeconds: 60 });
      try {
        const client = clientFor(shortLived);
        // google-auth-library refreshes tokens that expire within five minutes before use.
        await client.dataset('d').get();
        await client.dataset('d').get();
        expect(shortLived.calls.token).toBe(2);
        const token = (await authClientFor(shortLived.credentials).getAccessToken()).token;
        expect((await rawCall(shortLived, '/datasets/d', { token })).status).toBe(200);
        shortLived.expireTokens();
        const refused = await rawCall(shortLived, '/datasets/d', { token });
        expect(refused.status).toBe(401);
        expect(refused.body.error.errors[0].reason).toBe('authError');
      } finally {
        await shortLived.close();
      }
    });

    test('a service account without a role gets 403 accessDenied', async () => {
      const outsider = clientFor(fake, fake.createServiceAccount({ name: 'outsider', role: 'none' }));
      const failure = await outsider
        .dataset('analytics')
        .table('users')
        .getMetadata()
        .catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 403, errors: [expect.objectContaining({ reason: 'accessDenied' })] });
      expect((failure as Error).message).toMatch(
        /Permission bigquery.tables.get denied on table backflow-test-proj:analytics.users/,
      );
    });

    test('a data viewer can read metadata but cannot create query jobs', async () => {
      const viewer = clientFor(fake, fake.createServiceAccount({ name: 'viewer', role: 'dataViewer' }));
      const [metadata] = await viewer.dataset('analytics').table('users').getMetadata();
      expect(metadata.numRows).toBe('2500');
      const failure = await viewer.query('SELECT 1').catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 403, errors: [expect.objectContaining({ reason: 'accessDenied' })] });
      expect((failure as Error).message).toBe(
        `Access Denied: Project ${PROJECT}: User does not have bigquery.jobs.create permission in project ${PROJECT}.`,
      );
    });

    test('a token without a BigQuery scope gets 403 insufficientPermissions', async () => {
      const client = new BigQuery({
        projectId: PROJECT,
        apiEndpoint: fake.url,
        authClient: authClientFor(fake.credentials, ['https://www.googleapis.com/auth/devstorage.read_only']),
      });
      await expect(client.dataset('analytics').get()).rejects.toMatchObject({
        code: 403,
        errors: [expect.objectContaining({ reason: 'insufficientPermissions' })],
      });
    });
  });

  describe('datasets and tables', () => {
    test('gets a dataset, and answers 404 notFound for a missing one', async () => {
      const [, metadata] = await bigquery.dataset('analytics').get();
      expect(metadata).toMatchObject({
        datasetReference: { projectId: PROJECT, datasetId: 'analytics' },
        location: 'US',
      });
      await expect(bigquery.dataset('missing').get()).rejects.toMatchObject({
        code: 404,
        message: `Not found: Dataset ${PROJECT}:missing`,
        errors: [expect.objectContaining({ reason: 'notFound' })],
      });
    });

    test('lists tables page by page with nextPageToken', async () => {
      await fake.db.run(
        `CREATE SCHEMA many; ${Array.from({ length: 7 }, (_, i) => `CREATE TABLE many.t${i} (x INTEGER);`).join(' ')}`,
      );
      const before = fake.calls['tables.list'] ?? 0;
      const pages: string[][] = [];
      let request: Record<string, unknown> | null = { maxResults: 3, autoPaginate: false };
      while (request) {
        const [tables, next, response] = (await bigquery.dataset('many').getTables(request)) as unknown as [
          any[],
          any,
          any,
        ];
        expect(response).toMatchObject({ kind: 'bigquery#tableList', totalItems: 7 });
        pages.push(tables.map((table) => table.id as string));
        request = next;
      }
      expect(pages).toEqual([['t0', 't1', 't2'], ['t3', 't4', 't5'], ['t6']]);
      expect((fake.calls['tables.list'] ?? 0) - before).toBe(3);
      // Without maxResults the client pages on its own; with it, maxResults caps the total.
      const [all] = await bigquery.dataset('many').getTables();
      expect(all).toHaveLength(7);
      const [capped] = await bigquery.dataset('many').getTables({ maxResults: 3 });
      expect(capped).toHaveLength(3);
      const [views] = await bigquery.dataset('analytics').getTables();
      expect(views.map((table) => [table.id, table.metadata.type])).toEqual([
        ['all_types', 'TABLE'],
        ['recent_users', 'VIEW'],
        ['users', 'TABLE'],
      ]);
    });

    test('describes every column type as BigQuery does', async () => {
      const [metadata] = await bigquery.dataset('analytics').table('all_types').getMetadata();
      expect(metadata).toMatchObject({
        kind: 'bigquery#table',
        id: `${PROJECT}:analytics.all_types`,
        tableReference: { projectId: PROJECT, datasetId: 'analytics', tableId: 'all_types' },
        type: 'TABLE',
        numRows: '2',
      });
      expect(metadata.schema.fields).toEqual([
        { name: 'i', type: 'INTEGER', mode: 'REQUIRED' },
        { name: 'n', type: 'NUMERIC', mode: 'NULLABLE' },
        { name: 'n2', type: 'NUMERIC', mode: 'NULLABLE', precision: '10', scale: '2' },
        { name: 'bn', type: 'BIGNUMERIC', mode: 'NULLABLE', precision: '38', scale: '20' },
        { name: 'h', type: 'BIGNUMERIC', mode: 'NULLABLE' },
        { name: 'f', type: 'FLOAT', mode: 'NULLABLE' },
        { name: 'b', type: 'BOOLEAN', mode: 'NULLABLE' },
        { name: 's', type: 'STRING', mode: 'NULLABLE', description: 'free text' },
        { name: 'y', type: 'BYTES', mode: 'NULLABLE' },
        { name: 'd', type: 'DATE', mode: 'NULLABLE' },
        { name: 'dt', type: 'DATETIME', mode: 'NULLABLE' },
        { name: 't', type: 'TIME', mode: 'NULLABLE' },
        { name: 'ts', type: 'TIMESTAMP', mode: 'NULLABLE' },
        { name: 'j', type: 'JSON', mode: 'NULLABLE' },
        {
          name: 'r',
          type: 'RECORD',
          mode: 'NULLABLE',
          fields: [
            { name: 'a', type: 'INTEGER', mode: 'NULLABLE' },
            { name: 'tags', type: 'STRING', mode: 'REPEATED' },
            {
              name: 'inner_rec',
              type: 'RECORD',
              mode: 'NULLABLE',
              fields: [{ name: 'x', type: 'FLOAT', mode: 'NULLABLE' }],
            },
          ],
        },
        { name: 'arr', type: 'INTEGER', mode: 'REPEATED' },
        {
          name: 'recs',
          type: 'RECORD',
          mode: 'REPEATED',
          fields: [
            { name: 'k', type: 'STRING', mode: 'NULLABLE' },
            { name: 'v', type: 'INTEGER', mode: 'NULLABLE' },
          ],
        },
        {
          name: 'm',
          type: 'RECORD',
          mode: 'REPEATED',
          fields: [
            { name: 'key', type: 'STRING', mode: 'NULLABLE' },
            { name: 'value', type: 'INTEGER', mode: 'NULLABLE' },
          ],
        },
        { name: 'iv', type: 'INTERVAL', mode: 'NULLABLE' },
        { name: 'u', type: 'STRING', mode: 'NULLABLE' },
      ]);
    });

    test('describes a view, and answers 404 notFound for a missing table', async () => {
      const [view] = await bigquery.dataset('analytics').table('recent_users').getMetadata();
      expect(view).toMatchObject({ type: 'VIEW', view: { useLegacySql: false } });
      expect(view.numRows).toBeUndefined();
      await expect(bigquery.dataset('analytics').table('nope').getMetadata()).rejects.toMatchObject({
        code: 404,
        message: `Not found: Table ${PROJECT}:analytics.nope`,
      });
    });

    test('reads table data with tabledata.list', async () => {
      const [rows] = await bigquery.dataset('analytics').table('users').getRows({ maxResults: 2, autoPaginate: false });
      expect(rows).toEqual([
        { id: 0, name: 'user-0', updated_at: new BigQueryTimestamp('2024-01-01T00:00:00.000Z') },
        { id: 1, name: 'user-1', updated_at: new BigQueryTimestamp('2024-01-01T00:00:01.000Z') },
      ]);
    });
  });

  describe('queries', () => {
    test('pages 2,500 rows with maxResults 1000 in 3 pages linked by page tokens', async () => {
      const [job] = await bigquery.createQueryJob({ query: 'SELECT id, name FROM analytics.users ORDER BY id' });
      const before = fake.calls['jobs.getQueryResults'] ?? 0;
      const pages: number[] = [];
      const ids: number[] = [];
      const tokens: string[] = [];
      let request: Record<string, unknown> | null = { maxResults: 1000, autoPaginate: false };
      while (request) {
        const [rows, next, response] = (await job.getQueryResults(request)) as unknown as [any[], any, any];
        pages.push(rows.length);
        ids.push(...rows.map((row) => row.id as number));
        expect(response.totalRows).toBe('2500');
        if (next) tokens.push(next.pageToken as string);
        request = next;
      }
      expect(pages).toEqual([1000, 1000, 500]);
      expect(ids).toEqual(Array.from({ length: 2500 }, (_, i) => i));
      expect(new Set(tokens).size).toBe(2);
      expect((fake.calls['jobs.getQueryResults'] ?? 0) - before).toBe(3);
      const sent = fake.requests.filter((entry) => entry.method === 'jobs.getQueryResults').slice(-3);
      expect(sent.map((entry) => entry.query.pageToken)).toEqual([undefined, tokens[0], tokens[1]]);
      expect(sent.every((entry) => entry.query.maxResults === '1000' && entry.query.location === 'US')).toBe(true);
    });

    test('streams a job result in pages cut by response size, from the result stored when the job ran', async () => {
      // A small response cap stands in for BigQuery's ~10 MB one, so pages split by size.
      const small = await startBigQueryFake({ projectId: PROJECT, datasets: ['d'], maxResponseBytes: 20_000 });
      try {
        await small.db.run(`CREATE TABLE d.events AS SELECT range AS id, 'event-' || range AS label FROM range(1000)`);
        const client = clientFor(small);
        const [job] = await client.createQueryJob({ query: 'SELECT * FROM d.events' });
        // Rows written after the job ran must not show up: pages come from the stored result.
        await small.db.run(`INSERT INTO d.events SELECT range, 'late' FROM range(1000, 1100)`);
        const rows: any[] = [];
        await new Promise<void>((resolve, reject) => {
          job
            .getQueryResultsStream()
            .on('data', (row) => rows.push(row))
            .on('error', reject)
            .on('end', resolve);
        });
        expect(rows.map((row) => row.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
        const pages = small.requests.filter((entry) => entry.method === 'jobs.getQueryResults');
        expect(pages.length).toBeGreaterThan(1);
        expect(pages.every((page) => JSON.stringify(page.response).length <= 20_000 + 1_000)).toBe(true);
        // In a stream, maxResults caps the total number of rows (the paginator's rule).
        const capped: any[] = [];
        await new Promise<void>((resolve, reject) => {
          job
            .getQueryResultsStream({ maxResults: 150 })
            .on('data', (row) => capped.push(row))
            .on('error', reject)
            .on('end', resolve);
        });
        expect(capped).toHaveLength(150);
        expectResponsesWithinSpec(small);
      } finally {
        await small.close();
      }
    });

    test('bigquery.query uses jobs.query and follows its page token', async () => {
      const before = { query: fake.calls['jobs.query'] ?? 0, results: fake.calls['jobs.getQueryResults'] ?? 0 };
      const [rows] = await bigquery.query({
        query: 'SELECT id FROM `backflow-test-proj.analytics.users` ORDER BY id',
        maxResults: 1000,
      });
      expect(rows).toHaveLength(2500);
      expect(rows.at(-1)).toEqual({ id: 2499 });
      // jobs.query answers the first 1000 rows; the client asks for the rest by page token
      // alone (maxResults is not passed on), which fits one response.
      expect((fake.calls['jobs.query'] ?? 0) - before.query).toBe(1);
      expect((fake.calls['jobs.getQueryResults'] ?? 0) - before.results).toBe(1);
      const first = fake.requests.filter((entry) => entry.method === 'jobs.query').at(-1);
      expect(first?.body).toMatchObject({
        useLegacySql: false,
        maxResults: 1000,
        formatOptions: { useInt64Timestamp: true },
      });
      expect((first?.response as { rows: unknown[] }).rows).toHaveLength(1000);
      const rest = fake.requests.filter((entry) => entry.method === 'jobs.getQueryResults').at(-1);
      expect(rest?.query).toMatchObject({ pageToken: (first?.response as { pageToken: string }).pageToken });
      expect(rest?.query.maxResults).toBeUndefined();
    });

    const typedQuery = 'SELECT * EXCLUDE (y), y FROM analytics.all_types ORDER BY i DESC';

    function expectDecodedTypes(rows: any[]): void {
      const [full, sparse] = rows;
      expect(full.i).toBeInstanceOf(BigQueryInt);
      expect(full.i.value).toBe('9007199254740993');
      // NUMERIC and BIGNUMERIC arrive as big.js numbers.
      expect(full.n.constructor.name).toBe('Big');
      expect(full.n.toString()).toBe('12345.5');
      expect(full.n2.toString()).toBe('7.25');
      expect(full.bn.toString()).toBe('0.12345678901234567891');
      expect(full.h.toFixed()).toBe('170141183460469231731687303715884105727');
      expect(full.f).toBe(1.5e-7);
      expect(full.b).toBe(true);
      expect(full.s).toBe('héllo "world"');
      expect(full.y).toEqual(Buffer.from([0x00, 0xff, 0x61, 0x62]));
      expect(full.d).toEqual(new BigQueryDate('2024-02-29'));
      expect(full.dt).toEqual(new BigQueryDatetime('2024-02-29T12:34:56.123456'));
      expect(full.t).toEqual(new BigQueryTime('08:09:10.500000'));
      expect(full.ts).toBeInstanceOf(BigQueryTimestamp);
      expect(full.ts.value).toBe('2024-02-29T12:34:56.123456000Z');
      expect(full.j).toBe('{"k":[1,2]}');
      // wrapIntegers reaches into records and arrays too.
      const int = (value: string): unknown => expect.objectContaining({ type: 'BigQueryInt', value });
      expect(full.r).toEqual({ a: int('1'), tags: ['x', 'y'], inner_rec: { x: 2.5 } });
      expect(full.arr).toEqual([int('3'), int('1'), int('2')]);
      expect(full.recs).toEqual([
        { k: 'a', v: int('1') },
        { k: 'b', v: int('2') },
      ]);
      expect(full.m).toEqual([{ key: 'one', value: int('1') }]);
      expect(full.iv).toBe('0-0 3 4:0:0');
      expect(full.u).toBe('f47ac10b-58cc-4372-a567-0e02b2c3d479');
      // NULL scalars and records arrive as null; NULL arrays as [] (BigQuery has no NULL array).
      expect(sparse).toMatchObject({
        i: expect.any(BigQueryInt),
        n: null,
        r: null,
        ts: null,
        y: null,
        arr: [],
        recs: [],
        m: [],
      });
    }

    test('values decode as the client library decodes them (jobs.query path)', async () => {
      const [rows] = await bigquery.query({ query: typedQuery, wrapIntegers: true });
      expectDecodedTypes(rows);
    });

    test('values decode as the client library decodes them (jobs.insert + getQueryResults path)', async () => {
      const [job] = await bigquery.createQueryJob({ query: typedQuery });
      const [rows] = await job.getQueryResults({ wrapIntegers: true });
      expectDecodedTypes(rows);
    });

    test('without wrapIntegers the client turns INT64 into a lossy number', async () => {
      const [rows] = await bigquery.query('SELECT i FROM analytics.all_types ORDER BY i DESC LIMIT 1');
      expect(rows).toEqual([{ i: 9007199254740992 }]);
    });

    test('writes rows in the wire format: strings, {f} records, [{v}] arrays, timestamps per formatOptions', async () => {
      const sql =
        "SELECT 42 AS n, TIMESTAMPTZ '2024-02-29 12:34:56.5+00' AS ts, {'a': 1, 'b': [true]} AS r, [1.5, 2.0] AS xs, NULL AS nothing";
      const created = await rawCall(fake, '/jobs', {
        method: 'POST',
        body: JSON.stringify({ configuration: { query: { query: sql, useLegacySql: false } } }),
      });
      expect(created.body.status).toEqual({ state: 'DONE' });
      const jobId = created.body.jobReference.jobId as string;
      const plain = await rawCall(fake, `/queries/${jobId}`);
      expect(plain.body.schema.fields).toEqual([
        { name: 'n', type: 'INTEGER', mode: 'NULLABLE' },
        { name: 'ts', type: 'TIMESTAMP', mode: 'NULLABLE' },
        {
          name: 'r',
          type: 'RECORD',
          mode: 'NULLABLE',
          fields: [
            { name: 'a', type: 'INTEGER', mode: 'NULLABLE' },
            { name: 'b', type: 'BOOLEAN', mode: 'REPEATED' },
          ],
        },
        { name: 'xs', type: 'NUMERIC', mode: 'REPEATED' },
        { name: 'nothing', type: 'INTEGER', mode: 'NULLABLE' },
      ]);
      expect(plain.body.rows).toEqual([
        {
          f: [
            { v: '42' },
            { v: '1.7092100965E9' },
            { v: { f: [{ v: '1' }, { v: [{ v: 'true' }] }] } },
            { v: [{ v: '1.5' }, { v: '2' }] },
            { v: null },
          ],
        },
      ]);
      const micros = await rawCall(fake, `/queries/${jobId}?formatOptions.useInt64Timestamp=true`);
      expect(micros.body.rows[0].f[1]).toEqual({ v: '1709210096500000' });
      const iso = await rawCall(fake, `/queries/${jobId}?formatOptions.timestampOutputFormat=ISO8601_STRING`);
      expect(iso.body.rows[0].f[1]).toEqual({ v: '2024-02-29T12:34:56.500000Z' });
    });

    test('binds named and positional query parameters', async () => {
      const [named] = await bigquery.query({
        query: 'SELECT id, name FROM analytics.users WHERE id >= @min_id AND updated_at < @before ORDER BY id',
        params: { min_id: 10, before: BigQuery.timestamp('2024-01-01T00:00:12Z') },
      });
      expect(named).toEqual([
        { id: 10, name: 'user-10' },
        { id: 11, name: 'user-11' },
      ]);
      const [positional] = await bigquery.query({
        query: 'SELECT name FROM analytics.users WHERE list_contains(?, id)',
        params: [[3, 5]],
      });
      expect(positional.map((row) => row.name).sort()).toEqual(['user-3', 'user-5']);
    });

    test('reads GoogleSQL lexical forms: backtick paths, double-quoted strings, # comments', async () => {
      const [rows] = await bigquery.query(
        'SELECT name, "it\'s" AS quoted, r"\\d+" AS raw # trailing comment\nFROM `backflow-test-proj`.analytics.`users` WHERE name = "user-7"',
      );
      expect(rows).toEqual([{ name: 'user-7', quoted: "it's", raw: '\\d+' }]);
    });

    test('bad SQL fails with invalidQuery and BigQuery’s message, on both endpoints', async () => {
      const viaQuery = await bigquery.query('SELEC id FROM analytics.users').catch((error: unknown) => error);
      expect(viaQuery).toMatchObject({
        code: 400,
        errors: [expect.objectContaining({ reason: 'invalidQuery', location: 'q', locationType: 'parameter' })],
      });
      expect((viaQuery as Error).message).toBe('Syntax error: Unexpected identifier "SELEC"');

      const viaJob = await bigquery
        .createQueryJob('SELECT no_such_column FROM analytics.users')
        .catch((error: unknown) => error);
      expect((viaJob as Error).message).toBe('Unrecognized name: no_such_column');
      expect(viaJob).toMatchObject({
        errors: [expect.objectContaining({ reason: 'invalidQuery', location: 'query' })],
      });
      const failedJob = (viaJob as { response: { jobReference: { jobId: string }; status: unknown } }).response;
      expect(failedJob.status).toMatchObject({ state: 'DONE', errorResult: { reason: 'invalidQuery' } });
      const results = await rawCall(fake, `/queries/${failedJob.jobReference.jobId}`);
      expect(results.status).toBe(400);
      expect(results.body.error.errors[0].reason).toBe('invalidQuery');
    });

    test('a missing table is notFound; a NULL array element fails the query as BigQuery does', async () => {
      await expect(bigquery.query('SELECT * FROM analytics.nope')).rejects.toMatchObject({
        code: 404,
        errors: [expect.objectContaining({ reason: 'notFound' })],
      });
      await expect(bigquery.query('SELECT [1, NULL] AS xs')).rejects.toMatchObject({
        code: 400,
        message: 'Array cannot have a null element; error in writing field xs',
      });
    });

    test('unknown jobs are 404, foreign page tokens and unknown parameters are 400', async () => {
      const missing = await rawCall(fake, '/queries/no_such_job');
      expect(missing.status).toBe(404);
      expect(missing.body.error.message).toBe(`Not found: Job ${PROJECT}:US.no_such_job`);
      const [job] = await bigquery.createQueryJob('SELECT 1 AS x');
      const forged = await rawCall(fake, `/queries/${job.id}?pageToken=bm90LWEtdG9rZW4`);
      expect(forged.status).toBe(400);
      expect(forged.body.error.errors[0].reason).toBe('invalid');
      const unknown = await rawCall(fake, `/queries/${job.id}?maxRows=5`);
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toMatch(/Unknown name "maxRows"/);
      const legacy = await rawCall(fake, '/queries', { method: 'POST', body: JSON.stringify({ query: 'SELECT 1' }) });
      expect(legacy.status).toBe(400);
      const badBody = await rawCall(fake, '/queries', {
        method: 'POST',
        body: JSON.stringify({ query: 'SELECT 1', useLegacySql: false, maxRowz: 3 }),
      });
      expect(badBody.body.error.message).toMatch(/Unknown name "maxRowz"/);
    });

    test('a dry run reports the schema without running or keeping a job', async () => {
      const before = fake.calls['jobs.getQueryResults'] ?? 0;
      const [, response] = (await bigquery.createQueryJob({
        query: 'SELECT id, updated_at FROM analytics.users',
        dryRun: true,
      })) as unknown as [unknown, any];
      expect(response.status).toEqual({ state: 'DONE' });
      expect(response.statistics.query.schema.fields).toEqual([
        { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
        { name: 'updated_at', type: 'TIMESTAMP', mode: 'NULLABLE' },
      ]);
      expect(response.jobReference.jobId).toBeUndefined();
      expect(fake.calls['jobs.getQueryResults'] ?? 0).toBe(before);
      await expect(
        bigquery.createQueryJob({ query: 'SELECT nope FROM analytics.users', dryRun: true }),
      ).rejects.toMatchObject({
        code: 400,
        errors: [expect.objectContaining({ reason: 'invalidQuery' })],
      });
    });

    test('with JOB_CREATION_OPTIONAL a one-page result names no job, a larger one says why it made one', async () => {
      const client = clientFor(fake, fake.credentials, { defaultJobCreationMode: 'JOB_CREATION_OPTIONAL' });
      const [small] = await client.query('SELECT 1 AS x');
      expect(small).toEqual([{ x: 1 }]);
      const smallResponse = fake.requests.filter((entry) => entry.method === 'jobs.query').at(-1)?.response as any;
      expect(smallResponse.jobReference).toBeUndefined();
      expect(smallResponse.queryId).toEqual(expect.any(String));
      const [large] = await client.query({ query: 'SELECT id FROM analytics.users', maxResults: 1000 });
      expect(large).toHaveLength(2500);
      const largeResponse = fake.requests.filter((entry) => entry.method === 'jobs.query').at(-1)?.response as any;
      expect(largeResponse).toMatchObject({
        jobReference: { jobId: expect.any(String) },
        jobCreationReason: { code: 'LARGE_RESULTS' },
      });
    });

    test('DML reports affected rows, DDL no result, and a script answers with its last statement', async () => {
      await bigquery.query('CREATE TABLE analytics.scratch (id INTEGER, note VARCHAR)');
      await bigquery.query("INSERT INTO analytics.scratch VALUES (1, 'a'), (2, 'b'), (3, 'c')");
      const dml = fake.requests.filter((entry) => entry.method === 'jobs.query').at(-1)?.response as any;
      expect(dml).toMatchObject({ numDmlAffectedRows: '3', statementType: 'INSERT', jobComplete: true });
      expect(dml.schema).toBeUndefined();
      const [rows] = await bigquery.query(
        "UPDATE analytics.scratch SET note = 'z' WHERE id > 1; SELECT note, count(*) AS n FROM analytics.scratch GROUP BY note ORDER BY note",
      );
      expect(rows).toEqual([
        { note: 'a', n: 1 },
        { note: 'z', n: 2 },
      ]);
      const script = fake.requests.filter((entry) => entry.method === 'jobs.query').at(-1)?.response as any;
      expect(script.statementType).toBe('SCRIPT');
      await bigquery.query('DROP TABLE analytics.scratch');
    });

    test('a dashed project id may stand unquoted at the head of a table path', async () => {
      const [rows] = await bigquery.query(`SELECT count(*) AS n FROM ${PROJECT}.analytics.users`);
      expect(rows).toEqual([{ n: 2500 }]);
    });

    test('a job that is still running is polled until it is done', async () => {
      const slow = await startBigQueryFake({ projectId: PROJECT, runningPolls: 2 });
      try {
        const client = clientFor(slow);
        const [job] = await client.createQueryJob('SELECT 1 AS x');
        expect(job.metadata.status.state).toBe('RUNNING');
        const [rows] = await job.getQueryResults();
        expect(rows).toEqual([{ x: 1 }]);
        expect(slow.calls['jobs.getQueryResults']).toBe(3);
        // jobs.query counts as the first status read; the client then polls getQueryResults.
        const [viaQuery] = await client.query('SELECT 2 AS y');
        expect(viaQuery).toEqual([{ y: 2 }]);
        expect(slow.requests.filter((entry) => entry.method === 'jobs.query').at(-1)?.response).toMatchObject({
          jobComplete: false,
        });
        expect(slow.calls['jobs.getQueryResults']).toBe(5);
        expectResponsesWithinSpec(slow);
      } finally {
        await slow.close();
      }
    });
  });

  describe('injected failures', () => {
    test('5xx and 429 answers are retried by the client', async () => {
      fake.failNext({ method: 'jobs.getQueryResults', status: 503 });
      fake.failNext({ method: 'jobs.getQueryResults', status: 429, retryAfterSeconds: 0 });
      const [job] = await bigquery.createQueryJob('SELECT 1 AS x');
      const before = fake.calls['jobs.getQueryResults'] ?? 0;
      const [rows] = await job.getQueryResults();
      expect(rows).toEqual([{ x: 1 }]);
      expect((fake.calls['jobs.getQueryResults'] ?? 0) - before).toBe(3);
      const answered = fake.requests.filter((entry) => entry.method === 'jobs.getQueryResults').slice(-3);
      expect(answered.map((entry) => entry.status)).toEqual([503, 429, 200]);
      expect(answered[0]?.response).toMatchObject({
        error: { errors: [{ reason: 'backendError' }], status: 'UNAVAILABLE' },
      });
      expect(answered[1]?.response).toMatchObject({
        error: { errors: [{ reason: 'rateLimitExceeded' }], status: 'RESOURCE_EXHAUSTED' },
      });
    });

    test('a failure that outlasts the retries reaches the caller', async () => {
      fake.failNext({ method: 'tables.get', status: 500, times: 10 });
      const client = clientFor(fake, fake.credentials, { retryOptions: { maxRetries: 2, maxRetryDelay: 0.05 } });
      await expect(client.dataset('analytics').table('users').getMetadata()).rejects.toMatchObject({
        code: 500,
        errors: [expect.objectContaining({ reason: 'internalError' })],
      });
    });

    test('a retried jobs.query carries the same requestId and does not run twice', async () => {
      await fake.db.run('CREATE TABLE analytics.once (id INTEGER)');
      fake.failNext({ method: 'jobs.query', status: 503, afterEffect: true });
      await bigquery.query('INSERT INTO analytics.once VALUES (1)');
      const sent = fake.requests.filter((entry) => entry.method === 'jobs.query').slice(-2);
      expect(sent.map((entry) => entry.status)).toEqual([503, 200]);
      expect((sent[0]?.body as { requestId: string }).requestId).toBe(
        (sent[1]?.body as { requestId: string }).requestId,
      );
      const [rows] = await bigquery.query('SELECT count(*) AS n FROM analytics.once');
      expect(rows).toEqual([{ n: 1 }]);
    });

    test('a lost jobs.insert response is retried into 409 duplicate, which the client resolves', async () => {
      fake.failNext({ method: 'jobs.insert', status: 503, afterEffect: true });
      const [job] = await bigquery.createQueryJob('SELECT 7 AS x');
      const inserts = fake.requests.filter((entry) => entry.method === 'jobs.insert').slice(-2);
      expect(inserts.map((entry) => entry.status)).toEqual([503, 409]);
      expect(inserts[1]?.response).toMatchObject({ error: { errors: [{ reason: 'duplicate' }] } });
      const [rows] = await job.getQueryResults();
      expect(rows).toEqual([{ x: 7 }]);
    });
  });
});
