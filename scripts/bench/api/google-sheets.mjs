import { createGoogleSheetsDestination } from '../../../connectors/destination-google-sheets/dist/index.js';
import { runInProcess } from '../../../protocol/dist/testing/index.js';
import { busiestWindow, expectClean, messages, rateVsAllowed, watchTraffic, withConcurrency } from './traffic.mjs';

const MINUTE_MS = 60_000;
/** Sheets' write methods: values.batchUpdate, values.append and (spreadsheet) batchUpdate. */
const isWrite = (method, url) => method === 'POST' && /:(batchUpdate|append)(\?|$)/.test(url);

const catalog = {
  streams: [
    {
      stream: {
        name: 'segment',
        json_schema: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            email: { type: 'string' },
            plan: { type: ['null', 'string'] },
            ltv: { type: ['null', 'number'] },
          },
        },
        supported_sync_modes: ['full_refresh'],
      },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append_dedup',
      behaviour: 'mirror',
      primary_key: [['id']],
      destination_object_name: 'High value',
    },
  ],
};

const customer = (id, plan) => ({ id, email: `c${id}@example.com`, plan, ltv: id * 10.5 });

/**
 * A segment mirrored into a sheet: a first run of `records` rows, then a rerun that sends
 * `changed` of them with a new value (what the runner's diff sends when 1% changed), at
 * Google's `writesPerMinute` write quota (the fake's and the connector's). Each run is one
 * row; write requests per run are issue 10's figure.
 */
export async function googleSheets(fakes, { records, changed, writesPerMinute, latencyMs, concurrency, stateEvery }) {
  const fake = await fakes['google-sheets'].startSheetsFake({ writesPerMinute, latencyMs });
  try {
    const spreadsheet = fake.createSpreadsheet({ title: 'Segments' });
    const destination = withConcurrency(createGoogleSheetsDestination(), concurrency);
    const config = {
      spreadsheet_id: spreadsheet.spreadsheetId,
      credentials: { auth_type: 'service_account', service_account_info: JSON.stringify(fake.serviceAccount()) },
      api_root: `${fake.url}/`,
      token_uri: fake.tokenUri,
      write_requests_per_minute: writesPerMinute,
    };
    const step = Math.max(1, Math.floor(records / changed));
    const runs = [
      { run: 'first run', count: records, data: (i) => customer(i, 'pro') },
      { run: `rerun ${changed} changed`, count: changed, data: (i) => customer(i * step, 'enterprise') },
    ];
    const results = [];
    for (const { run, count, data } of runs) {
      const traffic = watchTraffic(isWrite);
      const writesBefore = fake.writeCount();
      const requestsBefore = fake.requests.length;
      try {
        const input = messages('segment', count, data, stateEvery);
        const started = performance.now();
        const result = await runInProcess(destination, 'write', { config, catalog, input });
        const seconds = (performance.now() - started) / 1000;
        expectClean('Google Sheets', result, Math.ceil(count / stateEvery));
        const writes = fake.writeCount() - writesBefore;
        results.push({
          destination: 'google-sheets',
          path: `mirror ${run}`,
          records: count,
          limit: `${writesPerMinute} writes / 60 s`,
          perWindow: writesPerMinute,
          latencyMs,
          concurrency: destination.spec.limits.max_concurrency,
          seconds,
          requests: traffic.times.length,
          rateLimited: fake.requests.slice(requestsBefore).filter((r) => r.status === 429).length,
          peakInFlight: traffic.peakInFlight,
          rateVsAllowed: rateVsAllowed(traffic.times, writesPerMinute, MINUTE_MS, seconds),
          busiestVsLimit: busiestWindow(traffic.times, MINUTE_MS) / writesPerMinute,
          writeCalls: writes,
          // One write request per STATE-cut batch at the least, and a first run creates the sheet
          // (its header could ride along in that batchUpdate).
          minimumCalls:
            Math.ceil(count / Math.min(stateEvery, destination.spec.limits.max_batch_size)) +
            (run === 'first run' ? 1 : 0),
        });
      } finally {
        traffic.stop();
      }
    }
    if (fake.specViolations().length > 0)
      throw new Error(`Sheets requests outside the spec: ${fake.specViolations()[0]}`);
    return results;
  } finally {
    await fake.close();
  }
}
