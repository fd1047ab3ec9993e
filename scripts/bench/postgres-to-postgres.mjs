// Postgres → Postgres end to end: a model table of N rows synced by the runner from
// source-postgres into destination-postgres (a first run: every row fingerprinted, COPYed and
// upserted, checkpoints every 10,000 rows), next to a raw
// `psql -c "\copy (select …) to stdout" | psql -c "\copy … from stdin"` pipe of the same rows
// measured in the same run. Then an unchanged rerun (every row read and diffed, none sent) and
// the first run through the Docker launcher (when the images are built). Each connector is
// also timed alone (source read into a file; destination write from that file, with a STATE
// every 10,000 records as the runner sends) to show which part bounds the sync. Each copy is
// checked against the source by row count and a hash of every row's text. Figures are
// ratios within one run: timings on shared machines are noisy.
//
//   npm run build && node scripts/bench/postgres-to-postgres.mjs [rows]   (default 1,000,000)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'yaml';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const bin = (connector) => join(root, 'connectors', connector, 'bin', 'main.js');
const CHECKPOINT_EVERY = 10_000;
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const COLUMNS = {
  id: 'bigint PRIMARY KEY',
  email: 'text',
  name: 'text',
  plan: 'text',
  active: 'boolean',
  score: 'numeric(10,2)',
  signed_up: 'date',
  updated_at: 'timestamptz',
};
const COLUMN_LIST = Object.keys(COLUMNS).join(', ');
const TABLE_DEFINITION = Object.entries(COLUMNS)
  .map(([name, type]) => `${name} ${type}`)
  .join(', ');
/** Text of a whole row, hashed and summed: equal for equal contents whatever the row order. */
const ROW_HASH = `count(*)::text || ':' || sum(hashtext(concat_ws('|', ${COLUMN_LIST}))::bigint)::text`;

async function sql(database, text, params) {
  const client = new pg.Client({ ...PG, database });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

function time(fn) {
  const start = process.hrtime.bigint();
  return Promise.resolve(fn()).then((value) => ({ value, seconds: Number(process.hrtime.bigint() - start) / 1e9 }));
}

async function createModel(database, rows) {
  await sql(database, `CREATE TABLE customers (${TABLE_DEFINITION})`);
  await sql(
    database,
    `INSERT INTO customers
     SELECT g, 'user' || g || '@example.com', 'Customer ' || g, (ARRAY['free', 'pro', 'team'])[1 + g % 3], g % 4 <> 0,
            (g % 100000) / 100.0, date '2020-01-01' + g % 1500,
            timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
     FROM generate_series(1, $1::int) g`,
    [rows],
  );
  await sql(database, 'VACUUM ANALYZE customers');
}

/** The baseline: psql copying the model's rows out, piped into psql copying them in. */
function psqlPipe(source, target, table) {
  const psql = (database, command, stdio) =>
    spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', PG.host, '-U', PG.user, '-d', database, '-c', command], {
      stdio,
      env: { ...process.env, PGSSLMODE: 'disable' },
    });
  const out = psql(source, `\\copy (select ${COLUMN_LIST} from customers) to stdout`, ['ignore', 'pipe', 'inherit']);
  const into = psql(target, `\\copy ${table} from stdin`, [out.stdout, 'inherit', 'inherit']);
  const exit = (child) => new Promise((done, fail) => child.on('error', fail).on('exit', (code) => done(code)));
  return Promise.all([exit(out), exit(into)]).then(([a, b]) => {
    if (a !== 0 || b !== 0) throw new Error(`psql pipe failed (exit codes ${a}, ${b})`);
  });
}

const endpoint = (database) => ({ host: PG.host, port: PG.port, database, username: PG.user, ssl_mode: 'disable' });
const sourceConfig = (database) => ({
  ...endpoint(database),
  tables: [],
  models: [{ name: 'customers', sql: `select ${COLUMN_LIST} from customers`, primary_key: ['id'] }],
});

/** Runs a connector command with its stdout going to `stdout` (a stream) or collected; resolves the collected lines. */
function connector(name, args, { stdin, stdout } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin(name), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let out = '';
    child.stderr.setEncoding('utf8').on('data', (text) => (stderr = (stderr + text).slice(-4000)));
    if (!stdout) child.stdout.setEncoding('utf8').on('data', (text) => (out += text));
    const drained = stdout ? pipeline(child.stdout, stdout) : Promise.resolve();
    if (stdin) pipeline(stdin, child.stdin).catch(reject);
    else child.stdin.end();
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${name} ${args[0]} exited with ${code}: ${stderr}`));
      drained.then(() => resolvePromise(out.split('\n').filter(Boolean)), reject);
    });
  });
}

/** The model stream as the runner configures it for an upsert by id. */
async function configuredCatalog(dir, source) {
  const config = join(dir, 'source.json');
  await writeFile(config, JSON.stringify(sourceConfig(source)));
  const lines = await connector('source-postgres', ['discover', '--config', config]);
  const { catalog } = lines.map((line) => JSON.parse(line)).find((m) => m.type === 'CATALOG');
  const stream = catalog.streams.find((s) => s.name === 'customers');
  const file = join(dir, 'catalog.json');
  const configured = { stream, sync_mode: 'full_refresh', destination_sync_mode: 'append_dedup', behaviour: 'upsert' };
  await writeFile(file, JSON.stringify({ streams: [{ ...configured, primary_key: [['id']] }] }));
  return { config, catalog: file };
}

/** The records of `file` with a STATE after every CHECKPOINT_EVERY of them, as the runner sends them. */
async function* withCheckpoints(file) {
  let records = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line.includes('"type":"RECORD"')) continue;
    yield `${line}\n`;
    if (++records % CHECKPOINT_EVERY === 0) {
      yield `${JSON.stringify({ type: 'STATE', state: { type: 'GLOBAL', global: { shared_state: { records }, stream_states: [] } } })}\n`;
    }
  }
}

/** Runs a sync in a child process (the built runner), returning its summary and the runner's peak RSS. */
function syncInChild(connectionFile, executor) {
  const script = `
    const { sync } = await import(${JSON.stringify(join(root, 'runner', 'dist', 'index.js'))});
    const summary = await sync(${JSON.stringify(connectionFile)}, { executor: ${JSON.stringify(executor)} });
    process.stdout.write(JSON.stringify({ summary, maxRssKb: process.resourceUsage().maxRSS }));`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`sync child exited with ${code}`));
      const result = JSON.parse(out);
      if (result.summary.status !== 'succeeded') return reject(new Error(JSON.stringify(result.summary.error)));
      resolvePromise(result);
    });
  });
}

async function connection(dir, name, source, target, schema) {
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    stringify({
      name,
      source: { connector: 'source-postgres', config: sourceConfig(source) },
      destination: { connector: 'destination-postgres', config: { ...endpoint(target), schema } },
      streams: [{ name: 'customers', behaviour: 'upsert' }],
      state: join(dir, `state-${name}`),
      checkpoint_every: CHECKPOINT_EVERY,
    }),
  );
  return file;
}

function imagesPresent() {
  const tag = (name) =>
    `backflow/${name}:${JSON.parse(readFileSync(join(root, 'connectors', name, 'package.json'), 'utf8')).version}`;
  const wanted = [tag('source-postgres'), tag('destination-postgres')];
  try {
    const out = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' });
    const have = new Set(out.split('\n'));
    return { present: wanted.every((image) => have.has(image)), images: wanted };
  } catch {
    return { present: false, images: wanted };
  }
}

export async function run({ rows = 1_000_000, docker = true } = {}) {
  const suffix = randomBytes(4).toString('hex');
  const source = `bench_p2p_src_${suffix}`;
  const target = `bench_p2p_dst_${suffix}`;
  const dir = await mkdtemp(join(tmpdir(), 'backflow-bench-p2p-'));
  await sql('test', `CREATE DATABASE ${source}`);
  await sql('test', `CREATE DATABASE ${target}`);
  try {
    await createModel(source, rows);
    const [{ hash: expected }] = await sql(source, `SELECT ${ROW_HASH} AS hash FROM customers`);
    const check = async (table) => {
      const [{ hash }] = await sql(target, `SELECT ${ROW_HASH} AS hash FROM ${table}`);
      if (hash !== expected) throw new Error(`${table} differs from the model: ${hash} vs ${expected}`);
    };

    await sql(target, `CREATE TABLE raw_copy (${TABLE_DEFINITION})`);
    const raw = await time(() => psqlPipe(source, target, 'raw_copy'));
    await check('raw_copy');

    const { config, catalog } = await configuredCatalog(dir, source);
    const rowsFile = join(dir, 'rows.ndjson');
    const sourceAlone = await time(() =>
      connector('source-postgres', ['read', '--config', config, '--catalog', catalog], {
        stdout: createWriteStream(rowsFile),
      }),
    );
    const destinationConfig = join(dir, 'destination.json');
    await writeFile(destinationConfig, JSON.stringify({ ...endpoint(target), schema: 'alone' }));
    const destinationAlone = await time(() =>
      connector('destination-postgres', ['write', '--config', destinationConfig, '--catalog', catalog], {
        stdin: withCheckpoints(rowsFile),
      }),
    );
    await check('alone.customers');

    const runs = [];
    const measureSync = async (label, executor, schema, file) => {
      const { value, seconds } = await time(() => syncInChild(file, executor));
      const counts = value.summary.streams.customers;
      runs.push({ label, executor, seconds, sent: counts.sent, read: counts.read, maxRssKb: value.maxRssKb });
      await check(`"${schema}".customers`);
    };
    const processFile = await connection(dir, 'process', source, target, 'via_process');
    await measureSync('sync, first run', 'process', 'via_process', processFile);
    await measureSync('sync, unchanged rerun', 'process', 'via_process', processFile);

    const images = imagesPresent();
    let dockerNote;
    if (!docker) dockerNote = 'skipped (asked)';
    else if (!images.present)
      dockerNote = `skipped: images absent (${images.images.join(', ')}; node scripts/build-images.mjs)`;
    else {
      const dockerFile = await connection(dir, 'docker', source, target, 'via_docker');
      await measureSync('sync, first run', 'docker', 'via_docker', dockerFile);
    }
    return {
      rows,
      rawSeconds: raw.seconds,
      sourceAloneSeconds: sourceAlone.seconds,
      destinationAloneSeconds: destinationAlone.seconds,
      runs,
      ...(dockerNote ? { dockerNote } : {}),
    };
  } finally {
    await sql('test', `DROP DATABASE IF EXISTS ${source} WITH (FORCE)`);
    await sql('test', `DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  }
}

export function format(result) {
  const seconds = (s) => `${s.toFixed(2).padStart(7)} s ${rate(s)}  ×${(s / result.rawSeconds).toFixed(1)} raw pipe`;
  const rate = (seconds) => `${Math.round(result.rows / seconds).toLocaleString('en-US')} rows/s`.padStart(16);
  const lines = [
    `postgres → postgres: ${result.rows.toLocaleString('en-US')} rows of 8 columns, contents checked by row hash`,
    `  psql \\copy out | psql \\copy in          ${result.rawSeconds.toFixed(2).padStart(7)} s ${rate(result.rawSeconds)}`,
    `  source-postgres alone (read → file)   ${seconds(result.sourceAloneSeconds)}`,
    `  destination-postgres alone (file →)   ${seconds(result.destinationAloneSeconds)}`,
  ];
  for (const run of result.runs) {
    const label = `${run.label} (${run.executor})`.padEnd(38);
    lines.push(
      `  ${label}${run.seconds.toFixed(2).padStart(7)} s ${rate(run.seconds)}  ` +
        `×${(run.seconds / result.rawSeconds).toFixed(1)} raw pipe, sent ${run.sent.toLocaleString('en-US')}, ` +
        `runner peak RSS ${Math.round(run.maxRssKb / 1024)} MB`,
    );
  }
  if (result.dockerNote) lines.push(`  docker: ${result.dockerNote}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(format(await run({ rows: Number(process.argv[2] ?? 1_000_000) })));
}
