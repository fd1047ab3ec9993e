#!/usr/bin/env node
// Runs every connection file of examples/ against the sample warehouse, with local
// stand-ins for the tools (the API fakes of test/fakes on 127.0.0.1 ports, the local
// PostgreSQL for the migration): starts each stand-in, sets the variables the connection
// file reads, runs `runner sync` (its summary is printed as is), shows what landed, stops
// the stand-in. State lives in a temporary folder, since every fake starts empty.
//
//   npm run examples                         build, (re)create the sample warehouse, run them all
//   node scripts/run-examples.mjs [name …]   only the examples whose file name contains a name
//
// EXAMPLES_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) is the server
// the migration example creates its two databases on; without a server it is skipped.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const runner = join(root, 'runner', 'bin', 'runner.js');

/** The harness and the fakes are TypeScript: load them through Vite's module runner, as the tests do. */
async function load(path) {
  const { module } = await runnerImport(join(root, path), {
    configFile: false,
    logLevel: 'warn',
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
  });
  return module;
}

/** `runner sync <file>`: the summary on stdout as the user sees it; the JSON log lines kept for a failure. */
function sync(file, env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [runner, 'sync', file], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    const log = [];
    child.stderr.setEncoding('utf8').on('data', (chunk) => log.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, log: log.join('') }));
  });
}

const [{ EXAMPLES }, rigs] = await Promise.all([
  load('examples/harness/examples.ts'),
  load('examples/harness/rigs.ts'),
]);
const wanted = process.argv.slice(2);
const selected = EXAMPLES.filter(
  (example) => wanted.length === 0 || wanted.some((name) => example.file.includes(name)),
);
if (selected.length === 0) {
  console.error(`no example matches ${wanted.join(', ')}; the examples: ${EXAMPLES.map((e) => e.file).join(', ')}`);
  process.exit(2);
}

const state = await mkdtemp(join(tmpdir(), 'backflow-examples-'));
const ws = {
  warehouse: join(root, 'examples', 'sample-warehouse', 'warehouse.duckdb'),
  output: join(root, 'examples', 'output'),
  state,
};
const outcomes = [];
try {
  for (const example of selected) {
    console.log(`\n━━ ${example.title} — examples/${example.file}`);
    if (example.postgres && !(await rigs.postgresReachable(process.env.EXAMPLES_POSTGRES_URL))) {
      console.log(
        `skipped: no PostgreSQL answers at ${process.env.EXAMPLES_POSTGRES_URL ?? rigs.DEFAULT_POSTGRES_URL} ` +
          '(start one, or set EXAMPLES_POSTGRES_URL to an administrator URL of yours)',
      );
      outcomes.push({ example, status: 'skipped' });
      continue;
    }
    const rig = await example.start(ws);
    try {
      const env = { ...rigs.workspaceEnv(ws), ...rig.env };
      let result = { code: 0, log: '' };
      if (example.setup) {
        console.log(`setup: examples/${example.setup}`);
        result = await sync(join('examples', example.setup), env);
      }
      if (result.code === 0) result = await sync(join('examples', example.file), env);
      if (result.code === 0) for (const line of await rig.landed()) console.log(`landed: ${line}`);
      else console.log(`failed (exit ${result.code}); the runner's log ends with:\n${lastLines(result.log, 8)}`);
      outcomes.push({ example, status: result.code === 0 ? 'succeeded' : 'failed' });
    } finally {
      await rig.close();
    }
  }
} finally {
  await rm(state, { recursive: true, force: true });
}

console.log('\n━━ summary');
for (const { example, status } of outcomes) console.log(`${status.padEnd(9)}  examples/${example.file}`);
console.log(`file outputs are in ${ws.output}`);
process.exit(outcomes.some((o) => o.status === 'failed') ? 1 : 0);

function lastLines(text, count) {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
