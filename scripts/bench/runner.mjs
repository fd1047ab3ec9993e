// Runner benchmark: the same sync of N records (fixture source → a destination that
// discards) through the process launcher and, when Docker is up, the Docker launcher, each
// next to a raw `cat` pipe of the same NDJSON bytes measured in the same run; and the
// runner's peak memory at 100k and 1M records, which must stay flat (streaming).
//
//   npm run build && node scripts/bench/runner.mjs [records]
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const fixtures = join(root, 'test', 'fixtures', 'connectors');
const fixture = (name) => `${process.execPath} ${join(fixtures, name, 'bin', 'main.js')}`;

function time(fn) {
  const start = process.hrtime.bigint();
  return Promise.resolve(fn()).then((value) => ({ value, seconds: Number(process.hrtime.bigint() - start) / 1e9 }));
}

/** Runs a sync in a child process and returns its summary and the child's peak RSS. */
function syncInChild(connectionFile) {
  const script = `
    const { sync } = await import(${JSON.stringify(join(root, 'runner', 'dist', 'index.js'))});
    const summary = await sync(${JSON.stringify(connectionFile)});
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

/** The baseline: the source's own bytes, piped through `cat` into this process and counted. */
function catPipe(file) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('cat', [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (chunk) => (bytes += chunk.length));
    child.on('error', reject);
    child.on('close', () => resolvePromise(bytes));
  });
}

async function connection(dir, name, records, { docker = false } = {}) {
  const file = join(dir, `${name}.yaml`);
  const endpoint = (fixtureName, config) =>
    docker ? { image: `backflow/fixture-${fixtureName}:0.0.0`, config } : { command: fixture(fixtureName), config };
  await writeFile(
    file,
    stringify({
      name,
      source: endpoint('source-counter', { count: records, checkpoint_every: 10_000 }),
      destination: endpoint('destination-null', {}),
      streams: [{ name: 'items' }],
      state: join(dir, 'state'),
      checkpoint_every: 10_000,
    }),
  );
  return file;
}

function dockerImagesPresent() {
  try {
    const out = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' });
    return ['backflow/fixture-source-counter:0.0.0', 'backflow/fixture-destination-null:0.0.0'].every((i) =>
      out.includes(i),
    );
  } catch {
    return false;
  }
}

export async function run({ records = 1_000_000 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'backflow-bench-runner-'));
  try {
    // The exact bytes the source produces for this run, for the raw pipe baseline.
    const bytesFile = join(dir, 'source.ndjson');
    const catalog = join(dir, 'catalog.json');
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ count: records, checkpoint_every: 10_000 }));
    const stream = { name: 'items', json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh'] };
    await writeFile(
      catalog,
      JSON.stringify({ streams: [{ stream, sync_mode: 'full_refresh', destination_sync_mode: 'append' }] }),
    );
    const source = await time(async () => {
      const child = spawn(process.execPath, [
        join(fixtures, 'source-counter', 'bin', 'main.js'),
        'read',
        '--config',
        config,
        '--catalog',
        catalog,
      ]);
      await pipeline(child.stdout, createWriteStream(bytesFile));
    });
    const size = (await stat(bytesFile)).size;
    const cat = await time(() => catPipe(bytesFile));

    const rows = [];
    const processRun = await time(async () => syncInChild(await connection(dir, 'process', records)));
    rows.push({ launcher: 'process', seconds: processRun.seconds, maxRssKb: (await processRun.value).maxRssKb });
    if (dockerImagesPresent()) {
      const dockerRun = await time(async () => syncInChild(await connection(dir, 'docker', records, { docker: true })));
      rows.push({ launcher: 'docker', seconds: dockerRun.seconds, maxRssKb: (await dockerRun.value).maxRssKb });
    }
    const small = await syncInChild(await connection(dir, 'small', Math.round(records / 10)));
    return {
      records,
      bytes: size,
      sourceAloneSeconds: source.seconds,
      catSeconds: cat.seconds,
      rows,
      memory: {
        smallRecords: Math.round(records / 10),
        smallMaxRssKb: small.maxRssKb,
        largeMaxRssKb: rows[0].maxRssKb,
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function format(result) {
  const lines = [
    `runner: ${result.records.toLocaleString()} records, ${(result.bytes / 1e6).toFixed(0)} MB of NDJSON`,
    `  raw cat pipe of the same bytes      ${result.catSeconds.toFixed(2)} s`,
    `  source alone (read → file)          ${result.sourceAloneSeconds.toFixed(2)} s`,
  ];
  for (const row of result.rows) {
    const rate = Math.round(result.records / row.seconds).toLocaleString();
    lines.push(
      `  sync via ${row.launcher.padEnd(8)}                ${row.seconds.toFixed(2)} s  ${rate} rec/s  ` +
        `×${(row.seconds / result.catSeconds).toFixed(1)} cat, ×${(row.seconds / result.sourceAloneSeconds).toFixed(2)} source alone`,
    );
  }
  if (result.rows.length === 1)
    lines.push('  docker: skipped (fixture images not built: node scripts/build-images.mjs)');
  const { smallRecords, smallMaxRssKb, largeMaxRssKb } = result.memory;
  lines.push(
    `  runner peak RSS: ${(smallMaxRssKb / 1024).toFixed(0)} MB at ${smallRecords.toLocaleString()} records, ` +
      `${(largeMaxRssKb / 1024).toFixed(0)} MB at ${result.records.toLocaleString()} (×${(largeMaxRssKb / smallMaxRssKb).toFixed(2)})`,
  );
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(format(await run({ records: Number(process.argv[2] ?? 1_000_000) })));
}
