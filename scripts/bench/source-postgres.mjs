// source-postgres read benchmark: the built connector process (`bin/main.js read`) next to
// `psql -c "\copy (select …) to stdout"` over the same table in the same run, at 100k and
// 1M rows of 10 mixed-type columns. Both outputs go through the same pipe into this process,
// which counts lines. Reports rows/s, the connector's time as a multiple of psql's, and the
// connector's peak RSS at each size (flat memory shows as equal peaks). Figures are ratios
// within one run: timings on shared machines are noisy, so compare rows, not runs.
//
//   npx tsc -b connectors/source-postgres && node scripts/bench/source-postgres.mjs [rows...] [--rounds N]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const connectorBin = join(repoRoot, 'connectors/source-postgres/bin/main.js');
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const GNU_TIME = '/usr/bin/time';

const COLUMNS = {
  id: 'bigint PRIMARY KEY',
  qty: 'integer',
  big: 'bigint',
  amount: 'numeric(12,2)',
  ratio: 'double precision',
  active: 'boolean',
  name: 'text',
  created_at: 'timestamptz NOT NULL',
  day: 'date',
  attrs: 'jsonb',
};
const COLUMN_LIST = Object.keys(COLUMNS).join(', ');

async function withClient(database, use) {
  const client = new pg.Client({ ...PG, database });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function createTable(database, table, rows) {
  await withClient(database, async (client) => {
    const definition = Object.entries(COLUMNS)
      .map(([name, type]) => `${name} ${type}`)
      .join(', ');
    await client.query(`CREATE TABLE ${table} (${definition})`);
    await client.query(
      `INSERT INTO ${table}
       SELECT g, g % 1000, g * 1000003::bigint, (g % 100000) / 100.0, g / 7.0, g % 3 = 0, 'customer ' || g,
              timestamptz '2024-01-01 00:00:00+00' + (g / 4) * interval '1 second', date '2024-01-01' + (g % 365),
              jsonb_build_object('tier', g % 5, 'tags', jsonb_build_array('a', g % 10))
       FROM generate_series(1, $1) g`,
      [rows],
    );
    // The incremental read orders by (created_at, id); four rows share each cursor value.
    await client.query(`CREATE INDEX ON ${table} (created_at, id)`);
    await client.query(`VACUUM ANALYZE ${table}`);
  });
}

/**
 * Runs `command`, counting stdout lines, and returns wall seconds, lines and (for the
 * connector) peak RSS in MB: from GNU time's report, else from polling VmHWM.
 */
function measure(command, args, { env, peak = false } = {}) {
  const useGnuTime = peak && existsSync(GNU_TIME);
  const [file, argv] = useGnuTime ? [GNU_TIME, ['-f', 'maxrss_kb=%M', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let stderr = '';
    let polledKb = 0;
    const poll =
      peak && !useGnuTime
        ? setInterval(async () => {
            const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
            const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
            polledKb = Math.max(polledKb, kb);
          }, 20)
        : undefined;
    child.stdout.on('data', (chunk) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
    });
    child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${command} exited with ${code}: ${stderr.slice(-2000)}`));
      const gnuKb = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1] ?? 0);
      resolve({ seconds, lines, peakMb: peak ? (gnuKb || polledKb) / 1024 : undefined });
    });
  });
}

function psqlCopy(database, select) {
  return measure(
    'psql',
    [
      '-X',
      '-q',
      '-h',
      PG.host,
      '-p',
      String(PG.port),
      '-U',
      PG.user,
      '-d',
      database,
      '-c',
      `\\copy (${select}) to stdout`,
    ],
    {
      env: { PGSSLMODE: 'disable' },
    },
  );
}

async function connectorRead(dir, database, table, syncMode) {
  const config = join(dir, 'config.json');
  const catalog = join(dir, `catalog-${table}-${syncMode}.json`);
  await writeFile(
    config,
    JSON.stringify({ host: PG.host, port: PG.port, database, username: PG.user, ssl_mode: 'disable' }),
  );
  const properties = Object.fromEntries(Object.keys(COLUMNS).map((name) => [name, {}]));
  const stream = {
    name: table,
    namespace: 'public',
    json_schema: { type: 'object', properties },
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_primary_key: [['id']],
  };
  const configured = {
    stream,
    sync_mode: syncMode,
    destination_sync_mode: 'append',
    ...(syncMode === 'incremental' ? { cursor_field: ['created_at'] } : {}),
  };
  await writeFile(catalog, JSON.stringify({ streams: [configured] }));
  return measure(process.execPath, [connectorBin, 'read', '--config', config, '--catalog', catalog], { peak: true });
}

// RECORD lines plus the connector's STREAM_STATUS traces (and STATE lines when incremental).
const expectedLines = (rows, syncMode) => rows + 3 + (syncMode === 'incremental' ? Math.ceil(rows / 10_000) : 0);

/**
 * Creates a scratch database with one table per size, reads each with psql and with the
 * connector (full refresh, and incremental ordered by (created_at, id)) for `rounds` rounds,
 * keeps each case's fastest round, and drops the database. Returns the figures.
 */
export async function run({ sizes = [100_000, 1_000_000], rounds = 2 } = {}) {
  const database = `bench_source_pg_${process.pid}`;
  const dir = await mkdtemp(join(tmpdir(), 'bench-source-postgres-'));
  await withClient('test', (client) => client.query(`CREATE DATABASE ${database}`));
  try {
    const results = [];
    for (const rows of sizes) {
      const table = `bench_${rows}`;
      await createTable(database, table, rows);
      const cases = [
        { name: 'psql \\copy', run: () => psqlCopy(database, `SELECT ${COLUMN_LIST} FROM ${table}`), lines: rows },
        {
          name: 'connector full_refresh',
          run: () => connectorRead(dir, database, table, 'full_refresh'),
          lines: expectedLines(rows, 'full_refresh'),
          baseline: 'psql \\copy',
        },
        {
          name: 'psql \\copy ordered',
          run: () => psqlCopy(database, `SELECT ${COLUMN_LIST} FROM ${table} ORDER BY created_at, id`),
          lines: rows,
        },
        {
          name: 'connector incremental',
          run: () => connectorRead(dir, database, table, 'incremental'),
          lines: expectedLines(rows, 'incremental'),
          baseline: 'psql \\copy ordered',
        },
      ];
      await cases[0].run(); // warm the cache
      const best = new Map();
      for (let round = 0; round < rounds; round += 1) {
        for (const c of cases) {
          const result = await c.run();
          if (result.lines !== c.lines) throw new Error(`${c.name} printed ${result.lines} lines, expected ${c.lines}`);
          const previous = best.get(c.name);
          best.set(c.name, {
            seconds: Math.min(result.seconds, previous?.seconds ?? Infinity),
            peakMb: result.peakMb === undefined ? undefined : Math.max(result.peakMb, previous?.peakMb ?? 0),
          });
        }
      }
      for (const c of cases) {
        const { seconds, peakMb } = best.get(c.name);
        results.push({
          rows,
          name: c.name,
          seconds,
          rowsPerSec: rows / seconds,
          vsPsql: c.baseline ? seconds / best.get(c.baseline).seconds : undefined,
          peakMb,
        });
      }
    }
    return { rounds, columns: Object.keys(COLUMNS).length, results };
  } finally {
    await withClient('test', (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    await rm(dir, { recursive: true, force: true });
  }
}

export function format(result) {
  const lines = [
    `source-postgres read: ${result.columns} mixed-type columns, wall time, best of ${result.rounds} rounds; ` +
      `"x psql" is the connector's time over psql's for the same rows`,
    `${'rows'.padStart(9)}  ${'case'.padEnd(24)} ${'seconds'.padStart(8)} ${'rows/s'.padStart(10)} ${'x psql'.padStart(7)} ${'peak RSS'.padStart(9)}`,
  ];
  for (const row of result.results) {
    lines.push(
      `${row.rows.toLocaleString('en-US').padStart(9)}  ${row.name.padEnd(24)} ${row.seconds.toFixed(2).padStart(8)} ` +
        `${Math.round(row.rowsPerSec).toLocaleString('en-US').padStart(10)} ` +
        `${(row.vsPsql === undefined ? '' : row.vsPsql.toFixed(1)).padStart(7)} ` +
        `${(row.peakMb === undefined ? '' : `${row.peakMb.toFixed(0)} MB`).padStart(9)}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ options: { rounds: { type: 'string' } }, allowPositionals: true });
  const sizes = positionals.length > 0 ? positionals.map(Number) : undefined;
  console.log(format(await run({ sizes, rounds: values.rounds ? Number(values.rounds) : undefined })));
}
