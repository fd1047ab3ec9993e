import { Client } from '@hubspot/api-client';
import { afterEach, describe, expect, test } from 'vitest';
import { SEARCH_LIMITS, startHubSpotFake, type HubSpotFake } from './hubspot/index.js';

const fakes: HubSpotFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/** A fake on a manual clock; `at(ms)` sets it, so each seeded record gets its modified time. */
async function start() {
  let clock = Date.UTC(2025, 0, 1);
  const fake = await startHubSpotFake({ now: () => clock, rateLimit: { max: 100_000 } });
  fakes.push(fake);
  const at = (ms: number) => (clock = ms);
  return { fake, at, now: () => clock };
}

const search = (fake: HubSpotFake, body: unknown, objectType = 'contacts') =>
  fetch(`${fake.url}/crm/v3/objects/${objectType}/search`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${fake.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

interface Page {
  total: number;
  results: { id: string; properties: Record<string, string | null> }[];
  paging?: { next: { after: string } };
}

const T0 = Date.UTC(2025, 0, 1);

describe('search', () => {
  test('filters by last modified date, sorts, and pages with after, with the total', async () => {
    const { fake, at } = await start();
    for (let i = 0; i < 7; i++) {
      at(T0 + i * 1000);
      fake.store.seed('contacts', [{ properties: { email: `c${i}@example.com`, firstname: `C${i}` } }]);
    }
    const client = new Client({ accessToken: fake.token, basePath: fake.url });
    const first = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'lastmodifieddate', operator: 'GT' as never, value: String(T0 + 2000) }] },
      ],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'DESCENDING' }] as never,
      properties: ['email'],
      limit: 3,
    });
    expect(first.total).toBe(4);
    expect(first.results.map((r) => r.properties['email'])).toEqual([
      'c6@example.com',
      'c5@example.com',
      'c4@example.com',
    ]);
    expect(first.paging?.next?.after).toBe('3');
    const second = (await (
      await search(fake, {
        filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GT', value: String(T0 + 2000) }] }],
        sorts: [{ propertyName: 'lastmodifieddate', direction: 'DESCENDING' }],
        properties: ['email'],
        limit: 3,
        after: '3',
      })
    ).json()) as Page;
    expect(second.results.map((r) => r.properties['email'])).toEqual(['c3@example.com']);
    expect(second.paging).toBeUndefined();
  });

  test('filter groups are ORed, filters in a group ANDed; operators compare by property type', async () => {
    const { fake } = await start();
    fake.store.seed('contacts', [
      { properties: { email: 'a@example.com', firstname: 'Ada' } },
      { properties: { email: 'b@example.com', firstname: 'Bob' } },
      { properties: { email: 'c@example.com' } },
    ]);
    const emails = async (body: unknown) =>
      ((await (await search(fake, { ...(body as object), properties: ['email'] })).json()) as Page).results.map(
        (r) => r.properties['email'],
      );
    expect(
      await emails({
        filterGroups: [
          { filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'ada' }] },
          { filters: [{ propertyName: 'firstname', operator: 'NOT_HAS_PROPERTY' }] },
        ],
      }),
    ).toEqual(['a@example.com', 'c@example.com']);
    expect(
      await emails({
        filterGroups: [
          {
            filters: [
              { propertyName: 'firstname', operator: 'HAS_PROPERTY' },
              { propertyName: 'email', operator: 'IN', values: ['b@example.com', 'c@example.com'] },
            ],
          },
        ],
      }),
    ).toEqual(['b@example.com']);
  });

  test('refuses pages over 200, cursors past 10,000 results, and too many filters', async () => {
    const { fake, at, now } = await start();
    const refused = async (body: unknown) => {
      at(now() + 1000); // one search a second: under the per-second limit
      const response = await search(fake, body);
      return { status: response.status, message: ((await response.json()) as { message: string }).message };
    };
    expect(await refused({ limit: SEARCH_LIMITS.maxPageSize + 1 })).toEqual({
      status: 400,
      message: 'limit must be an integer between 1 and 200, got 201',
    });
    expect(await refused({ limit: 100, after: '10000' })).toEqual({
      status: 400,
      message: 'Search results are limited to 10000 per query; after=10000 is past them. Narrow the query',
    });
    const filter = { propertyName: 'email', operator: 'HAS_PROPERTY' };
    expect((await refused({ filterGroups: Array.from({ length: 6 }, () => ({ filters: [filter] })) })).message).toBe(
      'A search may have at most 5 filterGroups, got 6',
    );
    expect((await refused({ filterGroups: [{ filters: Array.from({ length: 7 }, () => filter) }] })).message).toBe(
      'A filterGroup may have at most 6 filters, got 7',
    );
    expect(
      (
        await refused({
          filterGroups: Array.from({ length: 4 }, () => ({ filters: Array.from({ length: 5 }, () => filter) })),
        })
      ).message,
    ).toBe('A search may have at most 18 filters in all, got 20');
    expect((await refused({ sorts: [{ propertyName: 'nope', direction: 'ASCENDING' }] })).message).toBe(
      'Property "nope" does not exist',
    );
  });

  test('a window of more than 10,000 matches is read to the end by re-anchoring on the last value seen', async () => {
    const { fake, at } = await start();
    const count = 10_250;
    for (let i = 0; i < count; i++) {
      at(T0 + Math.floor(i / 3) * 1000); // three records share each modified time
      fake.store.seed('contacts', [{ properties: { email: `c${i}@example.com` } }]);
    }
    // Sorted by (modified, id): re-anchor with GTE on the last modified time and skip ids seen.
    const seen = new Set<string>();
    let since = 0;
    let after: string | undefined;
    let pages = 0;
    let clock = T0 + 10_000_000;
    for (;;) {
      at((clock += 1000)); // stay under five searches per second
      const page = (await (
        await search(fake, {
          filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(since) }] }],
          sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
          properties: ['lastmodifieddate'],
          limit: 200,
          ...(after ? { after } : {}),
        })
      ).json()) as Page;
      pages++;
      for (const result of page.results) seen.add(result.id);
      const next = page.paging?.next.after;
      if (next === undefined) break;
      if (Number(next) + 200 > SEARCH_LIMITS.maxResults) {
        since = Date.parse(page.results.at(-1)!.properties['lastmodifieddate']!);
        after = undefined;
      } else after = next;
    }
    expect(seen.size).toBe(count);
    expect(pages).toBeGreaterThan(count / 200);
  });

  test('allows five searches per second per account, then 429 with Retry-After', async () => {
    const { fake, at, now } = await start();
    for (let i = 0; i < SEARCH_LIMITS.requestsPerSecond; i++) expect((await search(fake, {})).status).toBe(200);
    const limited = await search(fake, {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'SECONDLY' });
    at(now() + 1000);
    expect((await search(fake, {})).status).toBe(200);
  });
});
