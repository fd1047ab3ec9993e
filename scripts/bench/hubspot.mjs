// HubSpot destination pacing benchmark: contacts upserted through the built connector
// (in-process, the SDK's write path) into the HubSpot fake on the wall clock, with the
// connector's rolling window set to the fake's limit. Reports the achieved request rate
// against the allowed one, the busiest rolling window against the limit, the 429s met, and
// upsert calls against the minimum ceil(N / 100). Request times come from the fake's HTTP
// server (diagnostics channel `http.server.request.start`).
// Scenarios: 19 requests / 1 s over 10 windows (HubSpot's 190 / 10 s scaled down tenfold so
// that many windows fit in seconds) and HubSpot's own 190 / 10 s over 3 windows (~25 s).
//
//   npx tsc -b connectors/destination-hubspot && node scripts/bench/hubspot.mjs [windows] [max] [windowMs]
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { createHubSpotDestination } from '../../connectors/destination-hubspot/dist/index.js';
import { runInProcess } from '../../protocol/dist/testing/index.js';

const fakeDir = fileURLToPath(new URL('../../test/fakes/hubspot/', import.meta.url));
// Distinct emails the records cycle through: the fake scans its store per input, so a store
// as large as N would make the fake, not the pacing, the bottleneck.
const DISTINCT_KEYS = 1000;

/** The HubSpot fake is TypeScript (tests run it through vitest): transpile it to a temp dir. */
async function loadFake() {
  const out = await mkdtemp(join(tmpdir(), 'bench-hubspot-fake-'));
  for (const name of (await readdir(fakeDir)).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
    const { outputText } = ts.transpileModule(await readFile(join(fakeDir, name), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    await writeFile(join(out, name.replace(/\.ts$/, '.js')), outputText);
  }
  await writeFile(join(out, 'package.json'), '{"type":"module"}');
  const module = await import(pathToFileURL(join(out, 'index.js')).href);
  return { startHubSpotFake: module.startHubSpotFake, cleanup: () => rm(out, { recursive: true, force: true }) };
}

function messages(records) {
  const input = [];
  for (let i = 0; i < records; i++) {
    const email = `contact${i % DISTINCT_KEYS}@example.com`;
    input.push({
      type: 'RECORD',
      record: { stream: 'people', emitted_at: 0, data: { email, firstname: `F${i}`, lifetime_value: i } },
    });
  }
  input.push({
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: 'people' }, stream_state: { n: 1 } } },
  });
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

async function scenario(startHubSpotFake, { windows, max, windowMs }) {
  const records = (windows * max - 1) * 100;
  const fake = await startHubSpotFake({ rateLimit: { max, intervalMs: windowMs } });
  const times = [];
  const onRequest = () => times.push(performance.now());
  subscribe('http.server.request.start', onRequest);
  try {
    const config = {
      access_token: fake.token,
      base_url: fake.url,
      max_requests_per_window: max,
      window_seconds: windowMs / 1000,
    };
    const input = messages(records);
    const started = performance.now();
    const result = await runInProcess(createHubSpotDestination(), 'write', { config, catalog, input });
    const seconds = (performance.now() - started) / 1000;
    if (result.exitCode !== 0) throw new Error(`write failed: ${JSON.stringify(result.errors)}`);
    const requests = fake.calls.total;
    const upserts = fake.calls.count({ path: '/crm/v3/objects/contacts/batch/upsert' });
    // At the limit, each request after the first window goes out once the request `max`
    // earlier leaves the window: the mean gap between the two, against the window, is the
    // achieved rate against the allowed one (1 = the whole budget used, never more).
    let gaps = 0;
    for (let i = max; i < times.length; i++) gaps += times[i] - times[i - max];
    return {
      records,
      max,
      windowMs,
      seconds,
      requests,
      rateLimited: fake.calls.rateLimited,
      rateVsAllowed: windowMs / (gaps / (times.length - max)),
      busiestVsLimit: busiestWindow(times, windowMs) / max,
      callsVsMinimum: upserts / Math.ceil(records / 100),
    };
  } finally {
    unsubscribe('http.server.request.start', onRequest);
    await fake.close();
  }
}

export async function run({ scenarios } = {}) {
  const { startHubSpotFake, cleanup } = await loadFake();
  try {
    const results = [];
    for (const s of scenarios ?? [
      { windows: 10, max: 19, windowMs: 1_000 },
      { windows: 3, max: 190, windowMs: 10_000 },
    ]) {
      results.push(await scenario(startHubSpotFake, s));
    }
    return results;
  } finally {
    await cleanup();
  }
}

export function format(results) {
  const lines = [
    'HubSpot destination pacing (upsert contacts, 100 records/call, connector window = fake limit, wall clock)',
    `${'limit'.padEnd(14)} ${'records'.padStart(8)} ${'requests'.padStart(8)} ${'seconds'.padStart(8)} ` +
      `${'rate/allowed'.padStart(12)} ${'busiest/limit'.padStart(13)} ${'429s'.padStart(5)} ${'calls/min'.padStart(9)}`,
  ];
  for (const r of results) {
    lines.push(
      `${`${r.max} / ${r.windowMs / 1000} s`.padEnd(14)} ${String(r.records).padStart(8)} ${String(r.requests).padStart(8)} ` +
        `${r.seconds.toFixed(1).padStart(8)} ${r.rateVsAllowed.toFixed(3).padStart(12)} ` +
        `${r.busiestVsLimit.toFixed(3).padStart(13)} ${String(r.rateLimited).padStart(5)} ${r.callsVsMinimum.toFixed(2).padStart(9)}`,
    );
  }
  lines.push(
    'rate/allowed: window ÷ mean time between a request and the one `limit` requests earlier (1 = whole budget used);',
    'busiest/limit: most requests in any rolling window ÷ limit; calls/min: upsert calls ÷ ceil(records ÷ 100).',
  );
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [windows, max, windowMs] = process.argv.slice(2).map(Number);
  const scenarios = windows ? [{ windows, max: max || 19, windowMs: windowMs || 1000 }] : undefined;
  console.log(format(await run({ scenarios })));
}
