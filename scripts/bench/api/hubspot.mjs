import { createHubSpotDestination } from '../../../connectors/destination-hubspot/dist/index.js';
import { runInProcess } from '../../../protocol/dist/testing/index.js';
import { busiestWindow, expectClean, messages, rateVsAllowed, watchTraffic, withConcurrency } from './traffic.mjs';

// Distinct emails the records cycle through: the fake scans its store per input, so a store
// as large as N would make the fake, not the pacing, the bottleneck.
const DISTINCT_KEYS = 2000;
const BATCH = 100;

const catalog = {
  streams: [
    {
      stream: {
        name: 'people',
        json_schema: { type: 'object', properties: {} },
        supported_sync_modes: ['full_refresh'],
      },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append_dedup',
      behaviour: 'upsert',
      destination_object_name: 'contacts',
      matching_keys: [['email']],
    },
  ],
};

/** Upserts `records` contacts at the fake's rolling limit `max` per `windowMs` (the connector's window set to it). */
export async function hubspot(fakes, { records, max, windowMs, latencyMs, concurrency, stateEvery }) {
  const fake = await fakes.hubspot.startHubSpotFake({ rateLimit: { max, intervalMs: windowMs }, latencyMs });
  const traffic = watchTraffic();
  try {
    const destination = withConcurrency(createHubSpotDestination(), concurrency);
    const config = {
      access_token: fake.token,
      base_url: fake.url,
      max_requests_per_window: max,
      window_seconds: windowMs / 1000,
    };
    const input = messages(
      'people',
      records,
      (i) => ({ email: `contact${i % DISTINCT_KEYS}@example.com`, firstname: `F${i}`, lifetime_value: i }),
      stateEvery,
    );
    const started = performance.now();
    const result = await runInProcess(destination, 'write', { config, catalog, input });
    const seconds = (performance.now() - started) / 1000;
    expectClean('HubSpot', result, Math.ceil(records / stateEvery));
    return {
      destination: 'hubspot',
      path: 'batch upsert',
      records,
      limit: `${max} / ${windowMs / 1000} s`,
      perWindow: max,
      latencyMs,
      concurrency: destination.spec.limits.max_concurrency,
      seconds,
      requests: fake.calls.total,
      rateLimited: fake.calls.rateLimited,
      peakInFlight: traffic.peakInFlight,
      rateVsAllowed: rateVsAllowed(traffic.times, max, windowMs, seconds),
      busiestVsLimit: busiestWindow(traffic.times, windowMs) / max,
      writeCalls: fake.calls.count({ path: '/crm/v3/objects/contacts/batch/upsert' }),
      minimumCalls: Math.ceil(records / BATCH),
    };
  } finally {
    traffic.stop();
    await fake.close();
  }
}
