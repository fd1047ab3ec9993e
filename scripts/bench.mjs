// Runs every benchmark in scripts/bench/ and prints its table, then one summary table of the
// issue's ratios (from the benches that export `summary(figures)`), and writes everything as
// JSON under bench-results/. Each module exports `run(options)` returning figures and
// `format(figures)` returning text; every figure is a ratio against a baseline measured in the
// same run, because timings on shared machines are noisy. `npm run bench` builds first;
// benches import the built `dist/` output. `--quick` runs each bench at a small scale (the
// whole table in about two minutes) so that CI keeps it running; it asserts nothing about
// speed, only that every bench completes.
//
//   npm run bench [-- [--quick] name ...]     e.g. npm run bench -- codec runner
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The options each bench runs with under --quick (the defaults are the full scale). */
const QUICK = {
  codec: { records: 20_000, rounds: 1, longLineMegabytes: 1 },
  diff: { sizes: [2_000, 20_000] },
  'postgres-to-postgres': { rows: 20_000, smallRows: 2_000, changedRows: 100, memoryRows: 200_000, smallRounds: 3 },
  runner: { records: 20_000 },
  'source-postgres': { sizes: [2_000, 20_000], rounds: 1 },
};

const dir = fileURLToPath(new URL('./bench/', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wanted = args.filter((arg) => !arg.startsWith('--'));
const names = (await readdir(dir))
  .filter((file) => file.endsWith('.mjs'))
  .map((file) => file.slice(0, -'.mjs'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

const machine = {
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
const results = {};
const figures = [];
let failed = false;
for (const name of names) {
  const bench = await import(new URL(`./bench/${name}.mjs`, import.meta.url).href);
  if (typeof bench.run !== 'function' || typeof bench.format !== 'function') continue;
  console.log(`\n== ${name} ==`);
  const started = Date.now();
  try {
    const result = await bench.run(quick ? (QUICK[name] ?? { quick: true }) : undefined);
    results[name] = result;
    console.log(bench.format(result));
    if (typeof bench.summary === 'function') figures.push(...bench.summary(result).map((f) => ({ bench: name, ...f })));
  } catch (error) {
    failed = true;
    results[name] = { error: error instanceof Error ? error.message : String(error) };
    console.log(`failed: ${results[name].error}`);
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

if (figures.length > 0) {
  const verdict = (f) =>
    f.min !== undefined
      ? f.value >= f.min
        ? 'met'
        : 'not met'
      : f.max !== undefined
        ? f.value <= f.max
          ? 'met'
          : 'not met'
        : '';
  const target = (f) => (f.min !== undefined ? `≥ ${f.min}` : f.max !== undefined ? `≤ ${f.max}` : '');
  console.log(
    `\n== summary${quick ? ' (quick scale)' : ''}: ${machine.cpus}, ${machine.memoryGb} GB, node ${machine.node} ==`,
  );
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) {
    console.log(`  ${f.name.padEnd(width)} ${f.value.toFixed(2).padStart(8)}  ${target(f).padEnd(7)} ${verdict(f)}`);
  }
}

const out = fileURLToPath(new URL('../bench-results/', import.meta.url));
await mkdir(out, { recursive: true });
const file = `${out}${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`;
await writeFile(file, `${JSON.stringify({ quick, machine, figures, results }, null, 2)}\n`);
console.log(`\nwritten: ${file}`);
process.exitCode = failed ? 1 : 0;
