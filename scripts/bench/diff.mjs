// Diff benchmark: how fast the runner classifies a model against the fingerprints of what it
// delivered before (added / changed / unchanged / removed) with the embedded SQLite store, next
// to how fast source-postgres reads the same number of rows in the same run. Per size: the
// first run (every row added, all fingerprints written), then a run with 1% of rows changed
// and 0.1% removed under `mirror` (the steady state). Each diff runs in a child process so
// its peak RSS is its own; flat memory shows as equal peaks across sizes. Reports rows/s, the
// diff's throughput as a multiple of the source read's ("x read"; above 1 the diff keeps up),
// peak RSS and fingerprint bytes per key on disk.
//
//   npx tsc -b runner connectors/source-postgres && node scripts/bench/diff.mjs [rows...]
//
// Sizes default to 100k and 1M; BACKFLOW_BENCH_DIFF_10M=1 adds 10M (about 10+ minutes more
// on 2 cores, most of it creating and reading the 10M-row table).
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const thisFile = fileURLToPath(import.meta.url);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const connectorBin = join(repoRoot, 'connectors/source-postgres/bin/main.js');
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const CHANGED_EVERY = 100;
const REMOVED_EVERY = 1000;
/** Confirmed outcomes are recorded in batches this size, as destination echoes would bring them. */
const COMMIT_EVERY = 10_000;

/** The model row `i` as source-postgres would emit it; `version` 2 changes every 100th row. */
function modelRow(i, version) {
  return {
    id: i,
    email: `user${i}@example.com`,
    first_name: `First${i}`,
    last_name: `Last${i}`,
    plan: ['free', 'pro', 'team'][i % 3],
    score: version === 2 && i % CHANGED_EVERY === 0 ? `${i}.75` : `${i}.25`,
    signed_up: '2024-01-01',
    updated_at: '2024-07-01T00:00:00Z',
  };
}

/** One diff run over `rows` model rows, in this (child) process; prints its figures as JSON. */
async function diffPhase({ dir, rows, version }) {
  const { SqliteStore } = await import(join(repoRoot, 'runner/dist/store/sqlite/sqlite-store.js'));
  const { StreamDiffer, DIFF_BATCH } = await import(join(repoRoot, 'runner/dist/diff/stream-differ.js'));
  const { DELIVERED } = await import(join(repoRoot, 'runner/dist/diff/fingerprint-session.js'));
  const { emptyCounts } = await import(join(repoRoot, 'runner/dist/report/events.js'));
  const started = process.hrtime.bigint();
  const session = await new SqliteStore(dir).openSync('bench');
  const streamId = await session.fingerprints.streamId('customers');
  const settings = {
    stream: 'customers',
    streamId,
    behaviour: 'mirror',
    primaryKey: [['id']],
    matchingKeys: [['id']],
    mapper: undefined,
    detectRemoved: true,
    fullResync: false,
    dryRun: false,
  };
  const differ = new StreamDiffer(settings, session.fingerprints, emptyCounts());
  let outcomes = [];
  let sent = 0;
  const handle = async (decisions) => {
    for (const d of decisions) {
      if (d.kind !== 'send') continue;
      sent++;
      outcomes.push({ stream: streamId, key: d.key, op: d.op, flags: DELIVERED, hash: d.hash, matchKey: d.matchKey });
      if (outcomes.length >= COMMIT_EVERY) {
        await session.commit({ outcomes });
        outcomes = [];
      }
    }
  };
  for (let i = 1; i <= rows; i++) {
    if (version === 2 && i % REMOVED_EVERY === 1) continue;
    await handle(differ.add(modelRow(i, version)));
    if (differ.queued >= DIFF_BATCH) await handle(await differ.flush());
  }
  for await (const decisions of differ.finishRead(true)) await handle(decisions);
  if (outcomes.length > 0) await session.commit({ outcomes });
  await session.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const file = join(dir, 'connections', 'bench.sqlite');
  process.stdout.write(
    JSON.stringify({
      seconds,
      rows,
      sent,
      counts: differ.counts,
      peakMb: process.resourceUsage().maxRSS / 1024,
      fileBytes: statSync(file).size,
    }) + '\n',
  );
}

function child(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [thisFile, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (text) => (out += text));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`diff phase exited with ${code}`)),
    );
  });
}

async function withClient(database, use) {
  const client = new pg.Client({ ...PG, database });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** The same rows in a table, read by the built source-postgres: wall seconds and peak RSS. */
async function sourceRead(dir, database, rows) {
  await withClient(database, async (client) => {
    await client.query(`DROP TABLE IF EXISTS customers`);
    await client.query(`CREATE TABLE customers (id integer PRIMARY KEY, email text, first_name text, last_name text,
      plan text, score text, signed_up text, updated_at text)`);
    await client.query(
      `INSERT INTO customers SELECT i, 'user' || i || '@example.com', 'First' || i, 'Last' || i,
         (ARRAY['free', 'pro', 'team'])[1 + i % 3], i || '.25', '2024-01-01', '2024-07-01T00:00:00Z'
       FROM generate_series(1, $1::int) i`,
      [rows],
    );
    await client.query('VACUUM ANALYZE customers');
  });
  const config = join(dir, 'config.json');
  const catalog = join(dir, 'catalog.json');
  await writeFile(
    config,
    JSON.stringify({ host: PG.host, port: PG.port, database, username: PG.user, ssl_mode: 'disable' }),
  );
  const columns = ['id', 'email', 'first_name', 'last_name', 'plan', 'score', 'signed_up', 'updated_at'];
  const stream = {
    name: 'customers',
    namespace: 'public',
    json_schema: { type: 'object', properties: Object.fromEntries(columns.map((c) => [c, {}])) },
    supported_sync_modes: ['full_refresh'],
    source_defined_primary_key: [['id']],
  };
  await writeFile(
    catalog,
    JSON.stringify({ streams: [{ stream, sync_mode: 'full_refresh', destination_sync_mode: 'append' }] }),
  );
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const proc = spawn(process.execPath, [connectorBin, 'read', '--config', config, '--catalog', catalog], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    proc.stdout.on('data', (chunk) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
    });
    proc.stderr.resume();
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`source-postgres exited with ${code}`));
      resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, lines });
    });
  });
}

/** Runs every size; returns the figures for `format`. */
export async function run({ sizes } = {}) {
  const chosen = sizes ?? [100_000, 1_000_000, ...(process.env['BACKFLOW_BENCH_DIFF_10M'] === '1' ? [10_000_000] : [])];
  const database = `bench_diff_${process.pid}`;
  await withClient('test', (client) => client.query(`CREATE DATABASE ${database}`));
  const results = [];
  try {
    for (const rows of chosen) {
      const dir = await mkdtemp(join(tmpdir(), 'bench-diff-'));
      try {
        const read = await sourceRead(dir, database, rows);
        const first = await child(['--phase', '--dir', dir, '--rows', String(rows), '--version', '1']);
        const steady = await child(['--phase', '--dir', dir, '--rows', String(rows), '--version', '2']);
        const readRate = rows / read.seconds;
        results.push({
          rows,
          readRowsPerSec: readRate,
          first: { ...first, rowsPerSec: rows / first.seconds, vsRead: rows / first.seconds / readRate },
          steady: { ...steady, rowsPerSec: rows / steady.seconds, vsRead: rows / steady.seconds / readRate },
          bytesPerKey: steady.fileBytes / (steady.counts.added + steady.counts.changed + steady.counts.unchanged),
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await withClient('test', (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }
  return { results };
}

export function format({ results }) {
  const lines = [
    'diff (embedded SQLite store): first run = every row added; steady = 1% changed, 0.1% removed (mirror);',
    '"x read" = diff rows/s over source-postgres read rows/s of the same table in the same run (>1: the diff keeps up)',
    `${'rows'.padStart(11)}  ${'run'.padEnd(7)} ${'seconds'.padStart(8)} ${'rows/s'.padStart(10)} ${'x read'.padStart(7)} ${'sent'.padStart(10)} ${'peak RSS'.padStart(9)} ${'bytes/key'.padStart(9)}`,
  ];
  for (const r of results) {
    lines.push(
      `${r.rows.toLocaleString('en-US').padStart(11)}  ${'read'.padEnd(7)} ${(r.rows / r.readRowsPerSec).toFixed(1).padStart(8)} ${Math.round(r.readRowsPerSec).toLocaleString('en-US').padStart(10)}`,
    );
    for (const [name, phase] of [
      ['first', r.first],
      ['steady', r.steady],
    ]) {
      lines.push(
        `${''.padStart(11)}  ${name.padEnd(7)} ${phase.seconds.toFixed(1).padStart(8)} ${Math.round(phase.rowsPerSec).toLocaleString('en-US').padStart(10)} ` +
          `${phase.vsRead.toFixed(2).padStart(7)} ${phase.sent.toLocaleString('en-US').padStart(10)} ${`${phase.peakMb.toFixed(0)} MB`.padStart(9)} ` +
          `${(name === 'steady' ? r.bytesPerKey.toFixed(1) : '').padStart(9)}`,
      );
    }
  }
  return lines.join('\n');
}

if (process.argv[1] === thisFile) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      phase: { type: 'boolean' },
      dir: { type: 'string' },
      rows: { type: 'string' },
      version: { type: 'string' },
    },
  });
  if (values.phase) {
    await diffPhase({ dir: values.dir, rows: Number(values.rows), version: Number(values.version) });
  } else {
    const sizes = positionals.length > 0 ? positionals.map(Number) : undefined;
    console.log(format(await run(sizes ? { sizes } : {})));
  }
}
