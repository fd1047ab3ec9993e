import { createZendeskDestination } from '../../../connectors/destination-zendesk/dist/index.js';
import { runInProcess } from '../../../protocol/dist/testing/index.js';
import { busiestWindow, expectClean, messages, rateVsAllowed, watchTraffic, withConcurrency } from './traffic.mjs';

/** Items per bulk job request. */
const ITEMS = 100;
const MINUTE_MS = 60_000;

const catalog = {
  streams: [
    {
      stream: {
        name: 'people',
        json_schema: { type: 'object', properties: { email: {}, name: {} } },
        supported_sync_modes: ['full_refresh'],
      },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append_dedup',
      behaviour: 'upsert',
      destination_object_name: 'users',
      matching_keys: [['email']],
    },
  ],
};

/**
 * Upserts `records` users through `create_or_update_many` jobs (submitted, then polled) at
 * `perMinute` requests a minute, the fake's limit and the connector's budget alike. Zendesk
 * counts every request, polls included; its minute is a fixed one, so a run shorter than a
 * minute is never held back by it.
 */
export async function zendesk(fakes, { records, perMinute, latencyMs, concurrency, stateEvery }) {
  const fake = await fakes.zendesk.startZendeskFake({ rateLimit: perMinute, latencyMs, pollsToComplete: 1 });
  const traffic = watchTraffic();
  try {
    const destination = withConcurrency(createZendeskDestination(), concurrency);
    const config = {
      base_url: fake.url,
      credentials: { auth_type: 'api_token', email: fake.email, api_token: fake.apiToken },
      requests_per_minute: perMinute,
    };
    const input = messages(
      'people',
      records,
      (i) => ({ email: `user${i}@example.com`, name: `User ${i}` }),
      stateEvery,
    );
    const started = performance.now();
    const result = await runInProcess(destination, 'write', { config, catalog, input });
    const seconds = (performance.now() - started) / 1000;
    expectClean('Zendesk', result, Math.ceil(records / stateEvery));
    return {
      destination: 'zendesk',
      path: 'create_or_update_many',
      records,
      limit: `${perMinute} / 60 s`,
      perWindow: perMinute,
      latencyMs,
      concurrency: destination.spec.limits.max_concurrency,
      seconds,
      requests: traffic.times.length,
      rateLimited: fake.calls.rateLimited,
      peakInFlight: traffic.peakInFlight,
      rateVsAllowed: rateVsAllowed(traffic.times, perMinute, MINUTE_MS, seconds),
      busiestVsLimit: busiestWindow(traffic.times, MINUTE_MS) / perMinute,
      writeCalls: fake.calls.count('POST', '/api/v2/users/create_or_update_many'),
      minimumCalls: Math.ceil(records / ITEMS),
    };
  } finally {
    traffic.stop();
    await fake.close();
  }
}
