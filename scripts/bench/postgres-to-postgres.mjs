// Postgres → Postgres end to end: a model table of N rows synced by the runner from
// source-postgres into destination-postgres (a first run: every row fingerprinted, COPYed and
// upserted, checkpoints every 10,000 rows), next to a raw
// `psql -c "\copy (select …) to stdout" | psql -c "\copy … from stdin"` pipe of the same rows
// measured in the same run, and the same first run through the Docker launcher right after
// each process one (when the images are built; Docker figures are medians of these pairs'
// ratios). Then an unchanged rerun (every row read and diffed, none sent). Each
// connector is also timed alone (source read into a file; destination write from that file,
// with a STATE every 10,000 records as the runner sends) to show which part bounds the sync.
// Each copy is checked against the source by row count and a hash of every row's text, and a
// Docker run's counts against those of the process run beside it. Figures are ratios within
// one run: timings on shared machines are noisy.
//
//   npm run build && node scripts/bench/postgres-to-postgres.mjs [rows]   (default 1,000,000)
//
// Also a 10k-row sync with 100 rows changed, timed in wall and CPU seconds (the runner and the
// connectors it waits for) next to a bare `node -e 0`, the same small sync through Docker, and
// through Docker again with the containers its last run kept warm (`--keep-warm`, as on a
// schedule); where NODE_EXTRA_CA_CERTS is set, both the sync and `node -e 0` again without it;
// and, for memory, a first run and an unchanged rerun of a model ten times as big (10M rows),
// whose runner peak RSS is set beside the 1M-row runs': memory must stay flat as rows grow.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { setTimeout } from 'node:timers/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
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
  ratio: 'double precision',
  attributes: 'jsonb',
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

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Runs `measure` (resolving { seconds, cpuSeconds? }) `rounds` times, one after another, and
 * resolves the median of each figure: one run on a shared machine can be off by half.
 */
async function medianOf(rounds, measure) {
  const results = [];
  for (let round = 0; round < rounds; round++) results.push(await measure(round));
  return medians(results);
}

/** The median of each figure of `results` ({ seconds, cpuSeconds? }). */
function medians(results) {
  const seconds = median(results.map((r) => r.seconds));
  return results[0].cpuSeconds === undefined
    ? { seconds }
    : { seconds, cpuSeconds: median(results.map((r) => r.cpuSeconds)) };
}

async function createModel(database, rows, table = 'customers') {
  await sql(database, `CREATE TABLE ${table} (${TABLE_DEFINITION})`);
  await sql(
    database,
    `INSERT INTO ${table}
     SELECT g, 'user' || g || '@example.com', 'Customer ' || g, (ARRAY['free', 'pro', 'team'])[1 + g % 3], g % 4 <> 0,
            (g % 100000) / 100.0, date '2020-01-01' + g % 1500,
            timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', g / 7.0::double precision,
            jsonb_build_object('seats', g % 50, 'tags', jsonb_build_array('a', g % 3))
     FROM generate_series(1, $1::int) g`,
    [rows],
  );
  await sql(database, `VACUUM ANALYZE ${table}`);
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
/** How a model built by joins hands its rows over: in no order of their keys. */
const SCATTERED = 'order by md5(id::text)';
const sourceConfig = (database, table = 'customers', order = '') => ({
  ...endpoint(database),
  tables: [],
  models: [{ name: 'customers', sql: `select ${COLUMN_LIST} from ${table} ${order}`.trim(), primary_key: ['id'] }],
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

/**
 * The records of `file` with a STATE after every CHECKPOINT_EVERY of them and after the last,
 * as the runner sends them (a destination commits only what a STATE covers).
 */
async function* withCheckpoints(file) {
  const state = (records) =>
    `${JSON.stringify({ type: 'STATE', state: { type: 'GLOBAL', global: { shared_state: { records }, stream_states: [] } } })}\n`;
  let records = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line.includes('"type":"RECORD"')) continue;
    yield `${line}\n`;
    if (++records % CHECKPOINT_EVERY === 0) yield state(records);
  }
  if (records % CHECKPOINT_EVERY !== 0) yield state(records);
}

/** Runs `command` under bash; resolves its stdout, stderr's tail, wall seconds and CPU seconds (its own and its descendants'). */
function timed(command, args, env = process.env) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    // bash's `times` prints the CPU time of the children it waited for, which includes the
    // connectors the runner spawned and waited for.
    const child = spawn('bash', ['-c', '"$@"; status=$?; times >&2; exit $status', 'bash', command, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err = (err + chunk).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${command} exited with ${code}: ${err}`));
      const children = err.trim().split('\n').at(-1).split(/\s+/);
      const cpuSeconds = children.map((t) => {
        const [, m, s] = /^(\d+)m([\d.]+)s$/.exec(t) ?? [];
        return Number(m) * 60 + Number(s);
      });
      resolvePromise({ out, err, seconds, cpuSeconds: cpuSeconds[0] + cpuSeconds[1] });
    });
  });
}

/**
 * Runs `runner sync --json` as users do (the CLI through its bin entry, so what it loads
 * counts): its summary, the runner's peak RSS (printed at exit by a preload given to the
 * runner's node only, not to the connectors it starts), wall and CPU seconds.
 */
async function syncInChild(connectionFile, executor, env, extraArgs = []) {
  const { out, err, seconds, cpuSeconds } = await timed(
    process.execPath,
    [
      '--import',
      new URL('./support/report-peak-rss.mjs', import.meta.url).href,
      join(root, 'runner', 'bin', 'runner.js'),
      'sync',
      connectionFile,
      '--executor',
      executor,
      '--json',
      ...extraArgs,
    ],
    env,
  );
  const summary = JSON.parse(out);
  if (summary.status !== 'succeeded') throw new Error(JSON.stringify(summary.error));
  const maxRssKb = Number(/backflow-bench-peak-rss-kb=(\d+)/.exec(err)?.[1]);
  return { summary, maxRssKb, seconds, cpuSeconds };
}

async function connection(dir, name, source, target, schema, table = 'customers', order = '') {
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    stringify({
      name,
      source: { connector: 'source-postgres', config: sourceConfig(source, table, order) },
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

/** The containers kept warm from the plans' folders in `cacheDir` (`runner sync --keep-warm`): id and folder of each. */
async function warmContainers(cacheDir) {
  const planDirs = await readdir(join(cacheDir, 'early')).catch(() => []);
  const found = [];
  for (const planDir of planDirs.map((name) => join(cacheDir, 'early', name)))
    for (const pointer of (await readdir(planDir)).filter((name) => name.endsWith('.warm'))) {
      const folder = await readFile(join(planDir, pointer), 'utf8');
      const { id } = JSON.parse(await readFile(join(folder, 'warm.json'), 'utf8'));
      found.push({ id, folder });
    }
  return found;
}

/**
 * Resolves once the step a `--keep-warm` run starts after it has its `count` containers up,
 * and a second more: their connectors load meanwhile, and a schedule leaves them minutes.
 */
async function warmReady(cacheDir, count) {
  const deadline = Date.now() + 30_000;
  while ((await warmContainers(cacheDir).catch(() => [])).length < count) {
    if (Date.now() > deadline) throw new Error(`no ${count} containers kept warm in ${cacheDir} within 30 s`);
    await setTimeout(50);
  }
  await setTimeout(1000);
}

/** Removes the containers kept warm in `cacheDir`, and their folders. */
async function dropWarm(cacheDir) {
  for (const { id, folder } of await warmContainers(cacheDir).catch(() => [])) {
    execFileSync('docker', ['rm', '--force', id], { stdio: 'ignore' });
    await rm(folder, { recursive: true, force: true });
  }
}

/** `psql \copy (select …) to stdout` alone, its output discarded: the floor of a read. */
function psqlCopyOut(source, order = '') {
  return timed('sh', [
    '-c',
    `psql -X -q -v ON_ERROR_STOP=1 -h ${PG.host} -U ${PG.user} -d ${source} -c "\\copy (select ${COLUMN_LIST} from customers ${order}) to stdout" > /dev/null`,
  ]);
}

/**
 * rows: the throughput scale; smallRows (10k in the issue) with `changedRows` changed for the
 * start-up figures; memoryRows (0 to skip) the big model of the memory figures, set beside `rows`;
 * rounds: how many runs the repeated figures take the median of; smallRounds: of the start-up
 * figures, which sit near their limit and move by about 5% from one run to the next.
 */
export async function run({
  rows = 1_000_000,
  smallRows = 10_000,
  changedRows = 100,
  memoryRows = rows * 10,
  docker = true,
  rounds = 3,
  smallRounds = 7,
} = {}) {
  const suffix = randomBytes(4).toString('hex');
  const source = `bench_p2p_src_${suffix}`;
  const target = `bench_p2p_dst_${suffix}`;
  const dir = await mkdtemp(join(tmpdir(), 'backflow-bench-p2p-'));
  await sql('test', `CREATE DATABASE ${source}`);
  await sql('test', `CREATE DATABASE ${target}`);
  try {
    await createModel(source, rows);
    await createModel(source, smallRows, 'customers_small');
    const [{ hash: expected }] = await sql(source, `SELECT ${ROW_HASH} AS hash FROM customers`);
    const check = async (table, model = 'customers') => {
      const [{ hash: want }] =
        model === 'customers' ? [{ hash: expected }] : await sql(source, `SELECT ${ROW_HASH} AS hash FROM ${model}`);
      const [{ hash }] = await sql(target, `SELECT ${ROW_HASH} AS hash FROM ${table}`);
      if (hash !== want) throw new Error(`${table} differs from the model: ${hash} vs ${want}`);
    };

    // Figures are medians of `rounds` runs (the syncs' first runs too); the connectors alone
    // and the memory runs are single.
    await sql(target, `CREATE TABLE raw_copy (${TABLE_DEFINITION})`);
    const raw = await medianOf(rounds, async (round) => {
      if (round > 0) await sql(target, 'TRUNCATE raw_copy');
      return time(() => psqlPipe(source, target, 'raw_copy'));
    });
    await check('raw_copy');
    const rawOut = await medianOf(rounds, () => psqlCopyOut(source));
    const rawOutScattered = await medianOf(rounds, () => psqlCopyOut(source, SCATTERED));

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

    const runs = {};
    /** Records the rounds of one sync under `key`: median times, the highest peak RSS; every round must count the same. */
    const record = (key, executor, results) => {
      const counts = results[0].summary.streams.customers;
      for (const round of results.slice(1))
        if (JSON.stringify(round.summary.streams.customers) !== JSON.stringify(counts))
          throw new Error(
            `${key}: rounds counted ${JSON.stringify(round.summary.streams.customers)} and ${JSON.stringify(counts)}`,
          );
      runs[key] = {
        executor,
        counts,
        rows: counts.read,
        ...medians(results),
        sent: counts.sent,
        maxRssKb: Math.max(...results.map((r) => r.maxRssKb)),
        // What the memory figures compare: a 10M-row run is single, and the highest of three
        // 1M-row rounds beside it would make the ratio look flatter than it is.
        medianRssKb: median(results.map((r) => r.maxRssKb)),
        rounds: results.length,
      };
    };
    const syncChecked = async (executor, schema, file, model = 'customers', env = undefined, extraArgs = []) => {
      const value = await syncInChild(file, executor, env, extraArgs);
      await check(`"${schema}".customers`, model);
      return value;
    };
    const measureSync = async (key, executor, schema, file, model, times = 1) => {
      const results = [];
      for (let round = 0; round < times; round++) results.push(await syncChecked(executor, schema, file, model));
      record(key, executor, results);
    };
    // The same sync through Docker, run right after the process one it is set beside, with
    // identical counts; each connection has its own state and target schema.
    const images = imagesPresent();
    const dockerNote = !docker
      ? 'skipped (asked)'
      : images.present
        ? undefined
        : `skipped: images absent (${images.images.join(', ')}; node scripts/build-images.mjs)`;
    const sameCounts = (key, beside) => {
      if (JSON.stringify(runs[key].counts) !== JSON.stringify(runs[beside].counts))
        throw new Error(
          `${key} counted ${JSON.stringify(runs[key].counts)}, ${beside} ${JSON.stringify(runs[beside].counts)}`,
        );
    };
    const inDocker = async (key, beside, schema, file, model) => {
      if (dockerNote) return;
      await measureSync(key, 'docker', schema, file, model);
      sameCounts(key, beside);
    };

    // First runs in `rounds` pairs, the Docker one right after the process one it is set
    // beside: the speed of a shared machine drifts by a third within minutes, so a single
    // pair says little. Each round after the first syncs into its own schema, dropped once
    // checked; the first round's process connection goes on to the unchanged reruns.
    const first = { process: [], docker: [] };
    let processFile;
    for (let round = 0; round < rounds; round++) {
      const suffix = round === 0 ? '' : `_${round}`;
      const file = await connection(dir, `process${suffix}`, source, target, `via_process${suffix}`);
      processFile ??= file;
      first.process.push(await syncChecked('process', `via_process${suffix}`, file));
      if (round > 0) await sql(target, `DROP SCHEMA via_process${suffix} CASCADE`);
      if (dockerNote) continue;
      const dockerFile = await connection(dir, `docker${suffix}`, source, target, `via_docker${suffix}`);
      first.docker.push(await syncChecked('docker', `via_docker${suffix}`, dockerFile));
      await sql(target, `DROP SCHEMA via_docker${suffix} CASCADE`);
    }
    record('first', 'process', first.process);
    if (!dockerNote) {
      record('dockerFirst', 'docker', first.docker);
      sameCounts('dockerFirst', 'first');
    }
    await measureSync('unchanged', 'process', 'via_process', processFile, 'customers', rounds);
    // The same model with its rows in no key order, as a join hands them over: the store can
    // no longer read the fingerprints ahead along the table. Its first run only primes it.
    const scatteredFile = await connection(dir, 'scattered', source, target, 'scattered', 'customers', SCATTERED);
    await syncChecked('process', 'scattered', scatteredFile);
    await measureSync('scatteredUnchanged', 'process', 'scattered', scatteredFile, 'customers', rounds);
    await sql(target, 'DROP SCHEMA scattered CASCADE');

    const smallFile = await connection(dir, 'small', source, target, 'small', 'customers_small');
    const smallDockerFile = await connection(dir, 'smallDocker', source, target, 'small_docker', 'customers_small');
    await measureSync('smallFirst', 'process', 'small', smallFile, 'customers_small');
    await inDocker('smallFirstDocker', 'smallFirst', 'small_docker', smallDockerFile, 'customers_small');
    // Each round renames the same rows again, so that every round sees `changedRows` changed;
    // the Docker sync of a round runs right after the process one, and two `node -e 0` right
    // before it (the baseline it is divided by, taken at the same moment).
    const rename = (round) =>
      sql(
        source,
        `UPDATE customers_small SET name = 'Customer ' || id || ' (renamed ${round})' WHERE id IN (SELECT id FROM customers_small ORDER BY id LIMIT $1)`,
        [changedRows],
      );
    // A third connection runs as a schedule given `--keep-warm` would: each of its runs claims
    // the containers the run before kept warm, once they are up (its first run primes it).
    const warmCache = join(dir, 'cache-warm');
    const warmEnv = { ...process.env, BACKFLOW_CACHE_DIR: warmCache };
    const keepWarm = ['--keep-warm', '10m'];
    const smallWarmFile = await connection(dir, 'smallWarm', source, target, 'small_warm', 'customers_small');
    const syncWarm = () => syncChecked('docker', 'small_warm', smallWarmFile, 'customers_small', warmEnv, keepWarm);
    const changed = { process: [], docker: [], warm: [], nodeBare: [] };
    try {
      if (!dockerNote) await syncWarm();
      for (let round = 0; round < smallRounds; round++) {
        for (let bare = 0; bare < 2; bare++) changed.nodeBare.push(await timed(process.execPath, ['-e', '0']));
        await rename(round);
        changed.process.push(await syncChecked('process', 'small', smallFile, 'customers_small'));
        if (dockerNote) continue;
        changed.docker.push(await syncChecked('docker', 'small_docker', smallDockerFile, 'customers_small'));
        await warmReady(warmCache, 2);
        changed.warm.push(await syncWarm());
      }
      if (!dockerNote) await warmReady(warmCache, 2);
    } finally {
      await dropWarm(warmCache);
    }
    record('smallChanged', 'process', changed.process);
    const pairRatios = (pairs, other = pairs.docker) => pairs.process.map((run, i) => run.seconds / other[i].seconds);
    const nodeBare = medians(changed.nodeBare);
    if (!dockerNote) {
      record('smallChangedDocker', 'docker', changed.docker);
      sameCounts('smallChangedDocker', 'smallChanged');
      record('smallChangedWarm', 'docker', changed.warm);
      sameCounts('smallChangedWarm', 'smallChanged');
    }
    // NODE_EXTRA_CA_CERTS (set on some machines, this one among them) makes every node process
    // load a CA bundle at start, doubling what a bare `node -e 0` costs; a sync starts three.
    // The same rounds without it tell what a machine that does not set it sees.
    let withoutExtraCerts;
    if (process.env.NODE_EXTRA_CA_CERTS) {
      const env = { ...process.env };
      delete env.NODE_EXTRA_CA_CERTS;
      const clean = { process: [], nodeBare: [] };
      for (let round = 0; round < smallRounds; round++) {
        for (let bare = 0; bare < 2; bare++) clean.nodeBare.push(await timed(process.execPath, ['-e', '0'], env));
        await rename(`${round} again`);
        clean.process.push(await syncChecked('process', 'small', smallFile, 'customers_small', env));
      }
      record('smallChangedBare', 'process', clean.process);
      sameCounts('smallChangedBare', 'smallChanged');
      withoutExtraCerts = medians(clean.nodeBare);
    }
    const dockerRatios = dockerNote
      ? undefined
      : {
          first: pairRatios(first),
          smallChanged: pairRatios(changed),
          smallChangedWarm: pairRatios(changed, changed.warm),
        };

    if (memoryRows > 0) {
      // Created only now, so that the throughput runs above see the same database as before.
      await createModel(source, memoryRows, 'customers_big');
      const bigFile = await connection(dir, 'big', source, target, 'big', 'customers_big');
      await measureSync('bigFirst', 'process', 'big', bigFile, 'customers_big');
      await measureSync('bigUnchanged', 'process', 'big', bigFile, 'customers_big');
    }

    return {
      rows,
      smallRows,
      changedRows,
      nodeBare,
      ...(withoutExtraCerts ? { nodeBareWithoutExtraCerts: withoutExtraCerts } : {}),
      rawSeconds: raw.seconds,
      rawOutSeconds: rawOut.seconds,
      rawOutScatteredSeconds: rawOutScattered.seconds,
      sourceAloneSeconds: sourceAlone.seconds,
      destinationAloneSeconds: destinationAlone.seconds,
      runs,
      ...(dockerRatios ? { dockerRatios } : {}),
      ...(dockerNote ? { dockerNote } : {}),
    };
  } finally {
    await sql('test', `DROP DATABASE IF EXISTS ${source} WITH (FORCE)`);
    await sql('test', `DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The issue's figures, each a ratio within this run with its target (higher-is-better unless `max`). */
export function summary(result) {
  const { runs } = result;
  const figures = [
    { name: 'first run ÷ raw pipe (pipe s ÷ sync s)', value: result.rawSeconds / runs.first.seconds, min: 0.2 },
    { name: 'unchanged rerun ÷ raw copy-out', value: result.rawOutSeconds / runs.unchanged.seconds, min: 0.5 },
    {
      name: 'the same, rows in no key order',
      value: result.rawOutScatteredSeconds / runs.scatteredUnchanged.seconds,
      min: 0.5,
    },
    { name: 'source alone ÷ raw pipe', value: result.rawSeconds / result.sourceAloneSeconds },
    { name: 'destination alone ÷ raw pipe', value: result.rawSeconds / result.destinationAloneSeconds },
    {
      name: `${result.changedRows} changed of ${result.smallRows}: CPU ÷ node -e 0`,
      value: runs.smallChanged.cpuSeconds / result.nodeBare.cpuSeconds,
      max: 10,
    },
    {
      name: `${result.changedRows} changed of ${result.smallRows}: wall ÷ node -e 0`,
      value: runs.smallChanged.seconds / result.nodeBare.seconds,
      max: 20,
    },
  ];
  if (runs.smallChangedBare) {
    const bare = result.nodeBareWithoutExtraCerts;
    figures.push(
      {
        name: `${result.changedRows} changed of ${result.smallRows}: CPU ÷ node -e 0, no extra CA certs`,
        value: runs.smallChangedBare.cpuSeconds / bare.cpuSeconds,
        max: 10,
      },
      {
        name: `${result.changedRows} changed of ${result.smallRows}: wall ÷ node -e 0, no extra CA certs`,
        value: runs.smallChangedBare.seconds / bare.seconds,
        max: 20,
      },
    );
  }
  if (runs.bigFirst) {
    const rows = (n) => n.toLocaleString('en-US');
    figures.push(
      {
        name: `runner peak RSS, first run: ${rows(runs.bigFirst.rows)} ÷ ${rows(runs.first.rows)} rows`,
        value: runs.bigFirst.medianRssKb / runs.first.medianRssKb,
        max: 1.2,
      },
      {
        name: `runner peak RSS, unchanged rerun: ${rows(runs.bigUnchanged.rows)} ÷ ${rows(runs.unchanged.rows)}`,
        value: runs.bigUnchanged.medianRssKb / runs.unchanged.medianRssKb,
        max: 1.2,
      },
    );
  }
  if (result.dockerRatios) {
    const { first, smallChanged, smallChangedWarm } = result.dockerRatios;
    figures.push(
      {
        name: `docker ÷ process, first run (median of ${first.length} pairs)`,
        value: median(first),
        min: 0.8,
      },
      {
        name: `docker ÷ process, small sync (median of ${smallChanged.length} pairs)`,
        value: median(smallChanged),
        min: 0.8,
      },
      {
        name: `docker ÷ process, small sync kept warm (median of ${smallChangedWarm.length} pairs)`,
        value: median(smallChangedWarm),
        min: 0.8,
      },
    );
  }
  return figures;
}

const LABEL_WIDTH = 54;

export function format(result) {
  const rate = (seconds, rows = result.rows) =>
    `${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`.padStart(16);
  const line = (label, seconds, rows) =>
    `  ${label.padEnd(LABEL_WIDTH)}${seconds.toFixed(2).padStart(7)} s ${rate(seconds, rows)}`;
  const lines = [
    `postgres → postgres: ${result.rows.toLocaleString('en-US')} rows of ${Object.keys(COLUMNS).length} columns, contents checked by row hash; psql and node -e 0 lines are medians`,
    line('psql \\copy out | psql \\copy in', result.rawSeconds),
    line('psql \\copy out alone', result.rawOutSeconds),
    line('psql \\copy out alone, rows in no key order', result.rawOutScatteredSeconds),
    line('source-postgres alone (read → file)', result.sourceAloneSeconds),
    line('destination-postgres alone (file →)', result.destinationAloneSeconds),
  ];
  const labels = {
    first: 'sync, first run',
    unchanged: 'sync, unchanged rerun',
    scatteredUnchanged: 'sync, unchanged rerun, rows in no key order',
    smallFirst: 'small sync, first run',
    smallChanged: `small sync, ${result.changedRows} changed`,
    smallFirstDocker: 'small sync, first run',
    smallChangedDocker: `small sync, ${result.changedRows} changed`,
    smallChangedBare: `small sync, ${result.changedRows} changed, no extra CA certs`,
    smallChangedWarm: `small sync, ${result.changedRows} changed, kept warm`,
    dockerFirst: 'sync, first run',
    bigFirst: 'big sync, first run',
    bigUnchanged: 'big sync, unchanged rerun',
  };
  for (const [key, run] of Object.entries(result.runs)) {
    lines.push(
      `${line(`${labels[key]} (${run.executor})`, run.seconds, run.rows)}  CPU ${run.cpuSeconds.toFixed(2)} s` +
        `${run.rounds > 1 ? ` (median of ${run.rounds})` : ''}` +
        // A container is not the runner's child: its CPU is not counted.
        `${run.executor === 'docker' ? ' (runner only)' : ''}, ` +
        `sent ${run.sent.toLocaleString('en-US')}, runner peak RSS ${Math.round(run.maxRssKb / 1024)} MB`,
    );
  }
  lines.push(
    `  ${'node -e 0'.padEnd(LABEL_WIDTH)}${result.nodeBare.seconds.toFixed(3)} s wall, ${result.nodeBare.cpuSeconds.toFixed(3)} s CPU`,
  );
  const bare = result.nodeBareWithoutExtraCerts;
  if (bare)
    lines.push(
      `  ${'node -e 0, no extra CA certs'.padEnd(LABEL_WIDTH)}${bare.seconds.toFixed(3)} s wall, ${bare.cpuSeconds.toFixed(3)} s CPU`,
      '  no extra CA certs: run without the NODE_EXTRA_CA_CERTS this machine sets, which every node process loads at start',
    );
  if (result.dockerNote) lines.push(`  docker: ${result.dockerNote}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // [rows] [memoryRows]: e.g. `200000 0` skips the memory runs.
  const rows = Number(process.argv[2] ?? 1_000_000);
  console.log(format(await run({ rows, memoryRows: Number(process.argv[3] ?? rows * 10) })));
}
