// API destinations against their fakes with latency added to every answer, on the wall
// clock: does a destination reach its rate limit, or only one request per round trip? Each
// scenario writes N records through the built connector (in-process, the SDK's write path)
// into its fake, at the connector's declared `limits.max_concurrency` (a `conc. 1` row is the
// sequential baseline), with the connector's budget set to the fake's limit, and reports the
// request rate reached against the allowed one, the busiest rolling window against the limit,
// the 429s met, the most requests in flight, and write calls against the minimum the batch
// limits allow. Request times come from the fakes' HTTP servers (diagnostics channels).
// Scenarios (full scale; --quick runs each smaller):
// - HubSpot batch upsert at its own 190 / 10 s, 20k contacts (and fewer at concurrency 1, as
//   for Salesforce and Zendesk: the sequential baseline);
// - Salesforce 10k contacts through sObject Collections and through Bulk API 2.0 (issue 9's
//   API calls ÷ minimum; Salesforce has no per-window limit, only a daily allocation);
// - Zendesk 20k users through create_or_update_many jobs at 200 requests a minute (Team);
// - Google Sheets: a 10k-row segment mirrored, then a rerun with 1% changed (issue 10's write
//   requests per run) at 60 writes a minute;
// - Slack: one message per record into one channel (about one post a second allowed).
//
//   npx tsc -b && node scripts/bench/api-destinations.mjs [--quick]
import { fileURLToPath } from 'node:url';
import { loadFakes } from './api/fakes.mjs';
import { googleSheets } from './api/google-sheets.mjs';
import { hubspot } from './api/hubspot.mjs';
import { salesforce } from './api/salesforce.mjs';
import { slack } from './api/slack.mjs';
import { zendesk } from './api/zendesk.mjs';

const RUNNERS = { hubspot, salesforce, zendesk, 'google-sheets': googleSheets, slack };
const LATENCY = 250;

// STATEs go every 1,000 records (every 10 HubSpot batches: a STATE must not stall the batches
// after it), except for the Bulk path, whose jobs a STATE would cut below the Bulk size.
const FULL = [
  { destination: 'hubspot', records: 20_000, max: 190, windowMs: 10_000, latencyMs: LATENCY, stateEvery: 1000 },
  {
    destination: 'hubspot',
    records: 2_000,
    max: 190,
    windowMs: 10_000,
    latencyMs: LATENCY,
    stateEvery: 1000,
    concurrency: 1,
  },
  { destination: 'salesforce', path: 'collections', records: 10_000, latencyMs: LATENCY, stateEvery: 1000 },
  {
    destination: 'salesforce',
    path: 'collections',
    records: 2_000,
    latencyMs: LATENCY,
    stateEvery: 1000,
    concurrency: 1,
  },
  { destination: 'salesforce', path: 'bulk', records: 10_000, latencyMs: LATENCY, stateEvery: 10_000 },
  { destination: 'zendesk', records: 20_000, perMinute: 200, latencyMs: LATENCY, stateEvery: 1000 },
  { destination: 'zendesk', records: 5_000, perMinute: 200, latencyMs: LATENCY, stateEvery: 1000, concurrency: 1 },
  {
    destination: 'google-sheets',
    records: 10_000,
    changed: 100,
    writesPerMinute: 60,
    latencyMs: LATENCY,
    stateEvery: 1000,
  },
  { destination: 'slack', records: 30, latencyMs: LATENCY, stateEvery: 10 },
];
// Quick: HubSpot's rate in a 1 s window (19 / 1 s), so a few seconds hold several windows.
const QUICK = [
  { destination: 'hubspot', records: 5_000, max: 19, windowMs: 1_000, latencyMs: LATENCY, stateEvery: 1000 },
  {
    destination: 'hubspot',
    records: 500,
    max: 19,
    windowMs: 1_000,
    latencyMs: LATENCY,
    stateEvery: 1000,
    concurrency: 1,
  },
  { destination: 'salesforce', path: 'collections', records: 2_000, latencyMs: LATENCY, stateEvery: 1000 },
  { destination: 'salesforce', path: 'bulk', records: 2_000, latencyMs: LATENCY, stateEvery: 2_000 },
  { destination: 'zendesk', records: 1_000, perMinute: 200, latencyMs: LATENCY, stateEvery: 500 },
  {
    destination: 'google-sheets',
    records: 2_000,
    changed: 20,
    writesPerMinute: 60,
    latencyMs: LATENCY,
    stateEvery: 1000,
  },
  { destination: 'slack', records: 4, latencyMs: LATENCY, stateEvery: 4 },
];

export async function run({ quick = false, scenarios } = {}) {
  const chosen = scenarios ?? (quick ? QUICK : FULL);
  const { fakes, cleanup } = await loadFakes([...new Set(chosen.map((s) => s.destination))]);
  try {
    // An untimed HubSpot run first: loading an API client and compiling a fake's validators
    // is start-up, not the request rate this measures.
    if (fakes.hubspot)
      await hubspot(fakes, { records: 100, max: 190, windowMs: 10_000, latencyMs: 0, stateEvery: 100 });
    const results = [];
    for (const scenario of chosen) {
      const outcome = [await RUNNERS[scenario.destination](fakes, scenario)].flat();
      results.push(...outcome.map((r) => ({ ...r, baseline: scenario.concurrency === 1 })));
    }
    return results;
  } finally {
    await cleanup();
  }
}

const fixed = (digits) => (value) => (value === undefined ? '—' : value.toFixed(digits));

export function format(results) {
  const columns = [
    ['destination', 13, (r) => r.destination],
    ['path', 24, (r) => r.path],
    ['limit', 17, (r) => r.limit],
    ['latency', 7, (r) => `${r.latencyMs} ms`],
    ['conc.', 5, (r) => r.concurrency],
    ['records', 7, (r) => r.records],
    ['requests', 8, (r) => r.requests],
    ['seconds', 7, (r) => r.seconds.toFixed(1)],
    ['req/s', 6, (r) => (r.requests / r.seconds).toFixed(1)],
    ['rate/allowed', 12, (r) => fixed(3)(r.rateVsAllowed)],
    ['busiest/limit', 13, (r) => fixed(3)(r.busiestVsLimit)],
    ['429s', 4, (r) => r.rateLimited],
    ['in flight', 9, (r) => r.peakInFlight],
    ['writes', 6, (r) => r.writeCalls],
    ['writes/min', 10, (r) => (r.writeCalls / r.minimumCalls).toFixed(2)],
  ];
  const row = (cells) => cells.map((cell, i) => String(cell)[i < 3 ? 'padEnd' : 'padStart'](columns[i][1])).join(' ');
  const lines = [
    'API destinations against their fakes with latency on every answer (wall clock, connector budget = fake limit)',
    row(columns.map(([name]) => name)),
    ...results.map((r) => row(columns.map(([, , cell]) => cell(r)))),
  ];
  for (const r of results.filter((r) => r.apiCallsVsMinimum !== undefined))
    lines.push(
      `${r.destination} ${r.path}: ${r.records} records used ${r.requests} API calls, ${r.apiCallsVsMinimum.toFixed(2)} × the minimum`,
    );
  lines.push(
    'rate/allowed: window ÷ mean time between a request and the one `limit` requests earlier (1 = whole budget used;',
    'runs with fewer requests than one window allows: requests per second ÷ allowed per second, which says how far',
    'the run is from its limit); busiest/limit: most counted requests in any rolling window ÷ limit (a fixed-minute',
    'limit allows up to 2 across a minute boundary); in flight: most requests the fake held at once (any kind);',
    'writes/min: write calls ÷ the fewest the batch limits allow. Salesforce: no per-window limit, so no rate;',
    'its requests are data API calls (the daily allocation), its minimum for Bulk is 7 calls a job.',
  );
  return lines.join('\n');
}

/**
 * Issue 14's rate figures, issue 9's calls ÷ minimum and issue 10's Sheets writes per run and
 * Slack rate. A rate has the 0.9 target only when the run needed more requests than one
 * window allows (otherwise no limit held it back), and not for a sequential baseline.
 */
export function summary(results) {
  const figures = [];
  const label = (r) => `api: ${r.destination}${r.baseline ? ' conc. 1' : ''} ${r.records}`;
  const rate = (r) => {
    const bound = r.requests > r.perWindow;
    const target = bound && !r.baseline ? { min: 0.9 } : {};
    return { name: `${label(r)}: rate ÷ allowed${bound ? '' : ' (< 1 window)'}`, value: r.rateVsAllowed, ...target };
  };
  for (const r of results) {
    if (r.destination === 'salesforce') {
      if (!r.baseline)
        figures.push({ name: `api: salesforce ${r.path} ${r.records}: calls ÷ min`, value: r.apiCallsVsMinimum });
    } else if (r.destination === 'google-sheets') {
      figures.push({ name: `api: sheets ${r.path}: writes`, value: r.writeCalls });
      if (!r.path.includes('rerun')) figures.push(rate(r));
    } else figures.push(rate(r));
  }
  figures.push({
    name: 'api: 429s met, every scenario',
    value: results.reduce((sum, r) => sum + r.rateLimited, 0),
    max: 0,
  });
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(format(await run({ quick: process.argv.includes('--quick') })));
}
