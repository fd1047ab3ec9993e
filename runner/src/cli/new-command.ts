import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command, Option } from 'commander';
import { ConfigurationError, EXIT_CODES, RunnerError } from '../errors.js';

/** The repository root, relative to this module in src/ or dist/. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TEMPLATES = {
  source: ['api', 'sql'],
  destination: ['api', 'database'],
} as const;
type Kind = keyof typeof TEMPLATES;

interface NewOptions {
  template?: string;
  title?: string;
  dir?: string;
  register: boolean;
}

const HELP = `
Templates:
  destination api       an HTTP API: batching, rate limit, per-record rejections, discover of
                        the target's fields, and a local fake of the API for its tests (default)
  destination database  a PostgreSQL table per stream: upserts in one transaction per checkpoint
  source api            a paged HTTP API read incrementally by a cursor (default)
  source sql            a PostgreSQL database on the SDK's SQL-source kit

The package is created in connectors/<kind>-<name>/ with spec.json, a generated Config type,
src/, bin/main.js, Dockerfile, README, CHANGELOG and tests with NDJSON fixtures, and is added
to the root tsconfig.json references. Then:
  npm install                                  link the new workspace
  npx tsc -b connectors/<kind>-<name>          build
  npx vitest run connectors/<kind>-<name>      its tests
  runner test-connector <kind>-<name> --config <file>
  node scripts/build-images.mjs <kind>-<name>  its image

Examples:
  runner new destination acme-crm
  runner new source billing --template sql`;

/** `runner new source|destination <name>`: a connector package rendered from templates/. */
export function newCommand(setExit: (code: number) => void) {
  return new Command('new')
    .description('create a connector package from a template')
    .argument('<kind>', 'source or destination')
    .argument('<name>', 'lower-case letters, digits and dashes, e.g. acme-crm')
    .addOption(new Option('--template <template>', 'api | database (destinations) | sql (sources)'))
    .option('--title <title>', 'the system\'s display name (default: from the name, "Acme Crm")')
    .option('--dir <dir>', 'folder to create the package in (default: connectors/)')
    .option('--no-register', 'do not add the package to the root tsconfig.json references')
    .addHelpText('after', HELP)
    .action(async (kind: string, name: string, options: NewOptions) => {
      try {
        const created = await scaffold(kind, name, options);
        process.stdout.write(created + '\n');
        setExit(EXIT_CODES.success);
      } catch (error) {
        process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        setExit(error instanceof RunnerError ? error.exitCode : EXIT_CODES.failed);
      }
    });
}

async function scaffold(kindArg: string, rawName: string, options: NewOptions): Promise<string> {
  if (!(kindArg in TEMPLATES)) throw new ConfigurationError(`<kind> must be source or destination, got "${kindArg}"`);
  const kind = kindArg as Kind;
  const template = options.template ?? 'api';
  if (!(TEMPLATES[kind] as readonly string[]).includes(template)) {
    throw new ConfigurationError(`--template for a ${kind} is one of ${TEMPLATES[kind].join(', ')}, got "${template}"`);
  }
  const bare = rawName.replace(new RegExp(`^${kind}-`), '');
  if (!/^[a-z][a-z0-9-]*$/.test(bare)) {
    throw new ConfigurationError(
      `name "${rawName}" must be lower-case letters, digits and dashes, starting with a letter`,
    );
  }
  const name = `${kind}-${bare}`;
  const connectorsDir = resolve(REPO_ROOT, 'connectors');
  const target = resolve(options.dir ?? connectorsDir, name);
  if (await stat(target).catch(() => undefined)) {
    throw new ConfigurationError(`${relative(process.cwd(), target) || target} already exists`);
  }
  const title = options.title ?? bare.replace(/-/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
  const values: Record<string, string> = {
    name,
    title,
    // Relative path from the package to the repository root, for tsconfig `extends`.
    root: relative(target, REPO_ROOT).split('\\').join('/') || '.',
    // An identifier-safe form of the name, e.g. for a Postgres schema.
    snake: bare.replace(/-/g, '_'),
  };
  await render(join(REPO_ROOT, 'templates', `${kind}-${template}`), target, values);
  await chmod(join(target, 'bin', 'main.js'), 0o755);
  await promisify(execFile)(process.execPath, [
    join(REPO_ROOT, 'scripts', 'gen-types.mjs'),
    '--schema',
    join(target, 'spec.json'),
    '--out',
    join(target, 'src', 'generated', 'config.ts'),
    '--pointer',
    '/connectionSpecification',
  ]);
  const registered = options.register && resolve(target, '..') === connectorsDir;
  if (registered) await addReference(`connectors/${name}`);
  const shown = relative(process.cwd(), target) || '.';
  const steps: [string, string][] = [
    ['npm install', 'link the new workspace'],
    [`npx tsc -b ${shown}`, 'build'],
    [`npx vitest run ${shown}`, 'its tests'],
    [`runner test-connector ${shown} --config <file>`, 'the acceptance checks'],
    [`node scripts/build-images.mjs ${name}`, `image backflow/${name}:0.1.0`],
  ];
  const width = Math.max(...steps.map(([command]) => command.length));
  return [
    `created ${shown} from templates/${kind}-${template}${registered ? ' (added to tsconfig.json references)' : ''}`,
    'next:',
    ...steps.map(([command, note]) => `  ${command.padEnd(width)}   ${note}`),
  ].join('\n');
}

/** Copies `from` to `to`, replacing `{{key}}` in every file with `values[key]`. */
async function render(from: string, to: string, values: Record<string, string>): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const destination = join(to, entry.name);
    if (entry.isDirectory()) {
      await render(source, destination, values);
    } else {
      const text = await readFile(source, 'utf8');
      await writeFile(
        destination,
        text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match),
      );
    }
  }
}

/** Adds `{ "path": path }` to the root tsconfig.json references, leaving the rest of the file as it is. */
async function addReference(path: string): Promise<void> {
  const file = join(REPO_ROOT, 'tsconfig.json');
  const text = await readFile(file, 'utf8');
  const config = JSON.parse(text) as { references?: { path: string }[] };
  if (config.references?.some((reference) => reference.path === path)) return;
  const end = /\}(\s*)\](\s*)\}\s*$/.exec(text);
  if (!end)
    throw new ConfigurationError(`cannot find the references list in ${file}; add { "path": "${path}" } by hand`);
  const entry = `},\n    {\n      "path": ${JSON.stringify(path)}\n    }`;
  await writeFile(file, text.slice(0, end.index) + entry + text.slice(end.index + 1));
}
