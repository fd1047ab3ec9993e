// Runs every benchmark in scripts/bench/ and prints its table. Each module exports
// `run(options)` returning figures and `format(figures)` returning text; every figure is a
// ratio against a baseline measured in the same run, because timings on shared machines are
// noisy. `npm run bench` builds first; benches import the built `dist/` output.
//
//   npm run bench [-- name ... --quick]     e.g. npm run bench -- codec runner
// `--quick` asks each bench for its small scale (`run({ quick: true })`), for CI.
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./bench/', import.meta.url));
const quick = process.argv.includes('--quick');
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const names = (await readdir(dir))
  .filter((file) => file.endsWith('.mjs'))
  .map((file) => file.slice(0, -'.mjs'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

let failed = false;
for (const name of names) {
  const bench = await import(new URL(`./bench/${name}.mjs`, import.meta.url).href);
  if (typeof bench.run !== 'function' || typeof bench.format !== 'function') continue;
  console.log(`\n== ${name} ==`);
  try {
    console.log(bench.format(await bench.run({ quick })));
  } catch (error) {
    failed = true;
    console.log(`failed: ${error instanceof Error ? error.message : error}`);
  }
}
process.exitCode = failed ? 1 : 0;
