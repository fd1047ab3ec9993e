// API destinations against their fakes with latency added to every answer, on the wall
// clock: does a destination reach its rate limit, or only one request per round trip? Each
// scenario upserts N records through the built connector (in-process, the SDK's write
// path) into its fake, a STATE every 1,000 records, with the connector's rolling window set
// to the fake's limit, and reports the request rate reached against the allowed one, the
// busiest rolling window against the limit, the 429s met, the most requests in flight, and
// write calls against the minimum the batch limit allows. Request times come from the fake's HTTP server
// (diagnostics channel `http.server.request.start`).
// Scenarios: HubSpot at its own 190 / 10 s with 250 ms latency, 20k contacts, at the
// declared concurrency, and the same at concurrency 1 (the sequential baseline, on 2k
// contacts: at 4 requests per second, 20k would take a minute).
//
//   npx tsc -b connectors/destination-hubspot && node scripts/bench/api-destinations.mjs [--quick]
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { createHubSpotDestination } from '../../connectors/destination-hubspot/dist/index.js';
import { runInProcess } from '../../protocol/dist/testing/index.js';

// Distinct emails the records cycle through: the fake scans its store per input, so a store
// as large as N would make the fake, not the pacing, the bottleneck.
const DISTINCT_KEYS = 2000;
const BATCH = 100;
// STATEs go every 10 batches: a STATE must not stall the batches after it.
const STATE_EVERY = 1000;

/**
 * A fake is TypeScript (tests run it through vitest): transpile its folder, with its JSON
 * files, and import it. The copy lives under node_modules so its package imports resolve.
 */
async function loadFake(name) {
  const dir = fileURLToPath(new URL(`../../test/fakes/${name}/`, import.meta.url));
  const out = await mkdtemp(fileURLToPath(new URL(`../../node_modules/.bench-${name}-fake-`, import.meta.url)));
  for (const file of await readdir(dir)) {
    if (file.endsWith('.json')) await copyFile(join(dir, file), join(out, file));
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const { outputText } = ts.transpileModule(await readFile(join(dir, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    await writeFile(join(out, file.replace(/\.ts$/, '.js')), outputText);
  }
  await writeFile(join(out, 'package.json'), '{"type":"module"}');
  const module = await import(pathToFileURL(join(out, 'index.js')).href);
  return { module, cleanup: () => rm(out, { recursive: true, force: true }) };
}

/** `records` contacts with a STATE after every `STATE_EVERY` of them and at the end, as a source checkpoints. */
function contacts(records) {
  const state = (n) => ({
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: 'people' }, stream_state: { n } } },
  });
  const input = [];
  for (let i = 0; i < records; i++) {
    const email = `contact${i % DISTINCT_KEYS}@example.com`;
    input.push({
      type: 'RECORD',
      record: { stream: 'people', emitted_at: 0, data: { email, firstname: `F${i}`, lifetime_value: i } },
    });
    if ((i + 1) % STATE_EVERY === 0) input.push(state(i + 1));
  }
  if (records % STATE_EVERY !== 0) input.push(state(records));
  return input;
}

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

/** Most requests in any rolling window of `windowMs` ending at a request. */
function busiestWindow(times, windowMs) {
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[start] <= times[end] - windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/**
 * The rate reached against the allowed one. Past the first window, each request goes out
 * once the request `max` earlier leaves the window: the window over the mean gap between
 * the two is the rate (1 = the whole budget used, never more). A run shorter than a window
 * has no such pairs: requests over the whole run time, against max per window, stands in.
 */
function rateVsAllowed(times, max, windowMs, seconds) {
  if (times.length <= max) return times.length / seconds / (max / (windowMs / 1000));
  let gaps = 0;
  for (let i = max; i < times.length; i++) gaps += times[i] - times[i - max];
  return windowMs / (gaps / (times.length - max));
}

async function hubspot(fakes, { records, max, windowMs, latencyMs, concurrency }) {
  const { startHubSpotFake } = fakes.hubspot;
  const fake = await startHubSpotFake({ rateLimit: { max, intervalMs: windowMs }, latencyMs });
  const times = [];
  const onRequest = () => times.push(performance.now());
  subscribe('http.server.request.start', onRequest);
  try {
    const declared = createHubSpotDestination();
    const limits = { ...declared.spec.limits, ...(concurrency ? { max_concurrency: concurrency } : {}) };
    const destination = { ...declared, spec: { ...declared.spec, limits } };
    const config = {
      access_token: fake.token,
      base_url: fake.url,
      max_requests_per_window: max,
      window_seconds: windowMs / 1000,
    };
    const input = contacts(records);
    const started = performance.now();
    const result = await runInProcess(destination, 'write', { config, catalog, input });
    const seconds = (performance.now() - started) / 1000;
    if (result.exitCode !== 0) throw new Error(`HubSpot write failed: ${JSON.stringify(result.errors)}`);
    if (result.states.length !== Math.ceil(records / STATE_EVERY)) throw new Error('HubSpot write lost a STATE');
    const upserts = fake.calls.count({ path: '/crm/v3/objects/contacts/batch/upsert' });
    return {
      destination: 'hubspot',
      records,
      max,
      windowMs,
      latencyMs,
      concurrency: limits.max_concurrency,
      seconds,
      requests: fake.calls.total,
      rateLimited: fake.calls.rateLimited,
      peakInFlight: fake.inFlight.peak,
      rateVsAllowed: rateVsAllowed(times, max, windowMs, seconds),
      busiestVsLimit: busiestWindow(times, windowMs) / max,
      callsVsMinimum: upserts / Math.ceil(records / BATCH),
    };
  } finally {
    unsubscribe('http.server.request.start', onRequest);
    await fake.close();
  }
}

const FULL = [
  { records: 20_000, max: 190, windowMs: 10_000, latencyMs: 250 },
  { records: 2_000, max: 190, windowMs: 10_000, latencyMs: 250, concurrency: 1 },
];
const QUICK = [
  { records: 2_000, max: 190, windowMs: 10_000, latencyMs: 250 },
  { records: 500, max: 190, windowMs: 10_000, latencyMs: 250, concurrency: 1 },
];

export async function run({ quick = false, scenarios } = {}) {
  const loaded = await loadFake('hubspot');
  try {
    const fakes = { hubspot: loaded.module };
    // An untimed run first: loading the API client and compiling the fake's validators is
    // start-up, not the request rate this measures.
    await hubspot(fakes, { records: BATCH, max: 190, windowMs: 10_000, latencyMs: 0 });
    const results = [];
    for (const s of scenarios ?? (quick ? QUICK : FULL)) results.push(await hubspot(fakes, s));
    return results;
  } finally {
    await loaded.cleanup();
  }
}

export function format(results) {
  const head = [
    ['destination', 12],
    ['limit', 12],
    ['latency', 8],
    ['conc.', 5],
    ['records', 8],
    ['requests', 8],
    ['seconds', 8],
    ['rate/allowed', 12],
    ['busiest/limit', 13],
    ['429s', 5],
    ['in flight', 9],
    ['calls/min', 9],
  ];
  const row = (cells) => cells.map((cell, i) => String(cell)[i < 2 ? 'padEnd' : 'padStart'](head[i][1])).join(' ');
  const lines = [
    'API destinations against their fakes with latency on every answer (wall clock, connector window = fake limit)',
    row(head.map(([name]) => name)),
  ];
  for (const r of results) {
    lines.push(
      row([
        r.destination,
        `${r.max} / ${r.windowMs / 1000} s`,
        `${r.latencyMs} ms`,
        r.concurrency,
        r.records,
        r.requests,
        r.seconds.toFixed(1),
        r.rateVsAllowed.toFixed(3),
        r.busiestVsLimit.toFixed(3),
        r.rateLimited,
        r.peakInFlight,
        r.callsVsMinimum.toFixed(2),
      ]),
    );
  }
  lines.push(
    'rate/allowed: window ÷ mean time between a request and the one `limit` requests earlier (1 = whole budget used;',
    'runs shorter than a window: requests per second ÷ allowed per second); busiest/limit: most requests in any',
    'rolling window ÷ limit; in flight: most requests the fake held at once; calls/min: write calls ÷ ceil(records ÷ batch).',
  );
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(format(await run({ quick: process.argv.includes('--quick') })));
}
