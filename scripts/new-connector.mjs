#!/usr/bin/env node
// Scaffolds a connector package from templates/: a working, tested, containerized
// destination (or source) to adapt.
//
//   node scripts/new-connector.mjs destination acme-crm [--title "Acme CRM"] [--dir connectors]
//
// Creates <dir>/destination-acme-crm with spec.json, src/, bin/main.js, Dockerfile,
// README.md, CHANGELOG.md and tests, generates its Config type from spec.json, and prints
// how to build, test and package it.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { title: { type: 'string' }, dir: { type: 'string', default: join(root, 'connectors') } },
});
const [kind, rawName] = positionals;
const kinds = (await readdir(join(root, 'templates'))).sort();
if (!kinds.includes(kind ?? '') || !rawName || !/^[a-z][a-z0-9-]*$/.test(rawName)) {
  console.error(
    `usage: new-connector.mjs <${kinds.join('|')}> <name> [--title T] [--dir D]  (name: lower-case, digits, dashes)`,
  );
  process.exit(2);
}
const name = rawName.startsWith(`${kind}-`) ? rawName : `${kind}-${rawName}`;
const target = resolve(values.dir, name);
if (await stat(target).catch(() => undefined)) {
  console.error(`${target} already exists`);
  process.exit(1);
}
const title =
  values.title ??
  rawName
    .replace(/^(source|destination)-/, '')
    .replace(/-/g, ' ')
    .replace(/\b\w/g, (c) => c.toUpperCase());
const replacements = { name, title, root: relative(target, root) || '.' };
const render = (text) => text.replace(/\{\{(\w+)\}\}/g, (match, key) => replacements[key] ?? match);

async function copy(from, to) {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const destination = join(to, entry.name);
    if (entry.isDirectory()) {
      await copy(source, destination);
    } else {
      await mkdir(to, { recursive: true });
      await writeFile(destination, render(await readFile(source, 'utf8')));
    }
  }
}

await copy(join(root, 'templates', kind), target);
execFileSync(
  process.execPath,
  [
    join(root, 'scripts', 'gen-types.mjs'),
    '--schema',
    join(target, 'spec.json'),
    '--out',
    join(target, 'src', 'generated', 'config.ts'),
    '--pointer',
    '/connectionSpecification',
  ],
  { stdio: 'ignore' },
);
const shown = relative(root, target);
console.log(`created ${shown}
next:
  npx tsc -b ${shown}                 build
  npx vitest run ${shown}             test
  node scripts/build-images.mjs ${shown}   image backflow/${name}:0.1.0
and add { "path": "${shown}" } to the root tsconfig.json references.`);
