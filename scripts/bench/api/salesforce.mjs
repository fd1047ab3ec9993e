import { createSalesforceDestination } from '../../../connectors/destination-salesforce/dist/index.js';
import { runInProcess } from '../../../protocol/dist/testing/index.js';
import { expectClean, messages, watchTraffic, withConcurrency } from './traffic.mjs';

/** Records per sObject Collections call. */
const COLLECTION = 200;
/** Calls one Bulk 2.0 ingest job needs at the least: create, upload, close, one poll, three result reads. */
const BULK_JOB_CALLS = 7;

const catalog = {
  streams: [
    {
      stream: {
        name: 'people',
        json_schema: { type: 'object', properties: { External_Id__c: {}, LastName: {}, Email: {} } },
        supported_sync_modes: ['full_refresh'],
      },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append_dedup',
      behaviour: 'upsert',
      destination_object_name: 'Contact',
      matching_keys: [['External_Id__c']],
    },
  ],
};

/**
 * Upserts `records` contacts by an external id through sObject Collections (`path:
 * 'collections'`, the Bulk threshold out of reach) or Bulk API 2.0 (`'bulk'`, threshold 0).
 * Salesforce has no per-window request limit (only the daily allocation, and 25 concurrent
 * long-running requests), so there is no rate to reach: the figures are requests per second
 * and API calls used against the minimum the batch limits allow. The SDK's batches are the
 * connector's max_batch_size unless a STATE cuts them: `stateEvery` decides how large the
 * Bulk jobs can be.
 */
export async function salesforce(fakes, { path, records, latencyMs, concurrency, stateEvery }) {
  const fake = await fakes.salesforce.startSalesforceFake({ latencyMs, dailyLimit: 1_000_000 });
  const traffic = watchTraffic((_, url) => url.startsWith('/services/data/'));
  try {
    const destination = withConcurrency(createSalesforceDestination(), concurrency);
    const config = {
      auth: { auth_type: 'client_credentials', client_id: fake.clientId, client_secret: fake.clientSecret },
      login_url: fake.loginUrl,
      objects: ['Contact'],
      bulk_threshold: path === 'bulk' ? 0 : 1_000_000_000,
      bulk_poll_seconds: 0.5,
    };
    const input = messages(
      'people',
      records,
      (i) => ({ External_Id__c: `C${i}`, LastName: `Last${i}`, Email: `c${i}@example.com` }),
      stateEvery,
    );
    const started = performance.now();
    const result = await runInProcess(destination, 'write', { config, catalog, input });
    const seconds = (performance.now() - started) / 1000;
    expectClean('Salesforce', result, Math.ceil(records / stateEvery));
    const batch = Math.min(stateEvery, destination.spec.limits.max_batch_size);
    const jobs = Math.ceil(records / batch);
    const writeCalls =
      path === 'bulk'
        ? fake.calls.count({ method: 'POST', path: '/jobs/ingest' })
        : fake.calls.count({ path: '/composite/sobjects/Contact/External_Id__c' });
    return {
      destination: 'salesforce',
      path: path === 'bulk' ? 'Bulk 2.0' : 'Collections',
      records,
      limit: 'daily only',
      latencyMs,
      concurrency: destination.spec.limits.max_concurrency,
      seconds,
      requests: fake.usage.used,
      rateLimited: fake.calls.count({ status: 403 }) + fake.calls.count({ status: 429 }),
      peakInFlight: traffic.peakInFlight,
      requestsPerSecond: traffic.times.length / seconds,
      writeCalls,
      minimumCalls: path === 'bulk' ? jobs : Math.ceil(records / COLLECTION),
      // Issue 9: every API call the run used (describe, writes, polls, results) ÷ the fewest the limits allow.
      apiCallsVsMinimum: fake.usage.used / (path === 'bulk' ? jobs * BULK_JOB_CALLS : Math.ceil(records / COLLECTION)),
    };
  } finally {
    traffic.stop();
    await fake.close();
  }
}
