import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/workspace.js';

// What scripts/bundle.mjs leaves out of the one-file builds (`npm run build`), each parsed or
// run at every start of a connector or of the runner.
const connectorsDir = join(REPO_ROOT, 'connectors');
const withSpec = readdirSync(connectorsDir).filter((name) => existsSync(join(connectorsDir, name, 'spec.json')));
const bundled = withSpec.filter((name) => existsSync(join(connectorsDir, name, 'dist', 'bundle.json')));
const runnerBundle = join(REPO_ROOT, 'runner', 'dist', 'bundle');
/** The text of the runner's bundle files, not their code caches. */
const runnerBundleText = () =>
  readdirSync(runnerBundle)
    .filter((file) => file.endsWith('.cjs'))
    .map((file) => readFileSync(join(runnerBundle, file), 'utf8'))
    .join('\n');

/** The start of a connector's config schema as the generated validators hold it, and the bundler prints it. */
function configSchemaText(name: string): string {
  const spec = JSON.parse(readFileSync(join(connectorsDir, name, 'spec.json'), 'utf8')) as {
    connectionSpecification: unknown;
  };
  // Bundles are ASCII: the bundler escapes other characters (`\u2014`).
  return JSON.stringify(JSON.stringify(spec.connectionSpecification))
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .slice(0, 300);
}

function bundleText(name: string): string {
  const manifest = JSON.parse(readFileSync(join(connectorsDir, name, 'dist', 'bundle.json'), 'utf8')) as {
    file: string;
  };
  return readFileSync(join(connectorsDir, name, 'dist', manifest.file), 'utf8');
}

describe('connector bundles', () => {
  it.each(bundled)('%s holds the generated config validator of its own spec only', (name) => {
    const text = bundleText(name);
    expect(withSpec.filter((other) => text.includes(configSchemaText(other)))).toEqual([name]);
  });

  it.each(bundled)(
    '%s leaves Ajv out, required from where @backflow/protocol is installed, and keeps its run-time helpers',
    async (name) => {
      const text = bundleText(name);
      expect(text).not.toMatch(/^\/\/ \S*node_modules\/ajv\/dist\/core\.js$/m);
      expect(text).toMatch(/^\/\/ \S*node_modules\/ajv\/dist\/runtime\/ucs2length\.js$/m);
      // The bundle's own require, as @backflow/protocol's entry gives it.
      const script = `const { createRequire } = require('node:module');
const require_ = createRequire(process.argv[1]);
const ajv = require_('node:module').createRequire(require_.resolve('@backflow/protocol/entry'))('ajv');
console.log(typeof ajv.Ajv);`;
      const bundle = join(connectorsDir, name, 'dist', 'bundle.cjs');
      const { stdout } = await execa(process.execPath, ['-e', script, bundle]);
      expect(stdout).toBe('function');
      expect(text).toContain(
        `require("node:module").createRequire(require.resolve("@backflow/protocol/entry"))("ajv")`,
      );
    },
  );

  it.each(bundled.filter((name) => name.endsWith('-postgres')))(
    '%s has no pg probe for Cloudflare Workers (it loads undici on Node 20)',
    (name) => {
      expect(bundleText(name)).not.toMatch(/new Response\(null, \{\s*cf:/);
    },
  );
});

/** Each `name@version` the bundle's region comments (`// node_modules/…/file.js`) show, with the folders it came from. */
function bundledPackages(text: string): Map<string, Set<string>> {
  const packages = new Map<string, Set<string>>();
  for (const [, folder] of text.matchAll(/^\/\/ (\S*node_modules\/(?:@[^/\s]+\/)?[^/\s]+)\//gm)) {
    const { name, version } = JSON.parse(readFileSync(join(REPO_ROOT, folder!, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    const key = `${name}@${version}`;
    packages.set(key, (packages.get(key) ?? new Set()).add(folder!));
  }
  return packages;
}

describe('bundles', () => {
  it.each([...bundled, 'runner'])('%s holds one copy of each package version', (name) => {
    const text = name === 'runner' ? runnerBundleText() : bundleText(name);
    const copies = [...bundledPackages(text)].filter(([, folders]) => folders.size > 1);
    expect(copies.map(([key, folders]) => `${key}: ${[...folders].join(', ')}`)).toEqual([]);
  });
});

describe.runIf(existsSync(runnerBundle))("the runner's bundle", () => {
  it('holds the config validators of every connector', () => {
    const text = runnerBundleText();
    expect(withSpec.filter((name) => !text.includes(configSchemaText(name)))).toEqual([]);
  });

  it("requires docker-modem's SSH transport (ssh2) only when a request needs it", () => {
    const text = runnerBundleText();
    expect(text).toMatch(/\bssh = \(options\) => require_ssh\(\)\(options\)/);
    expect(text).not.toMatch(/\bssh = require_ssh\(\)/);
  });
});

/**
 * Loads a bundle (its manifest's path as argument) the way @backflow/protocol's entry does and
 * prints how many of its files ran, and how many of those V8 compiled from their code cache.
 */
const LOAD_WITH_CACHES = `import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { codeCacheFile, scriptBundle } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'protocol', 'dist', 'entry-script.cjs')).href)};
const manifestFile = process.argv[1];
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
const sha1s = new Map(Object.entries(manifest.codeCache).map(([file, sha1]) => [join(dirname(manifestFile), file), sha1]));
const bundle = scriptBundle((file) => ({ data: readFileSync(codeCacheFile(file)), sha1: sha1s.get(file) }));
bundle.load(join(dirname(manifestFile), manifest.file));
console.log(JSON.stringify({ ran: bundle.scripts.size, cached: bundle.cached.size }));`;

describe('code caches', () => {
  // scripts/code-cache.mjs compiles with lazy compilation off and writes the caches once it is
  // back on: a cache made under other flags would be refused, and each start would compile.
  it.each(
    ['source-postgres', 'destination-postgres', 'runner'].filter((name) => name === 'runner' || bundled.includes(name)),
  )("%s's bundle files compile from their code cache in a plain node", async (name) => {
    const manifest = join(REPO_ROOT, name === 'runner' ? 'runner' : join('connectors', name), 'dist', 'bundle.json');
    const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', LOAD_WITH_CACHES, manifest]);
    const { ran, cached } = JSON.parse(stdout) as { ran: number; cached: number };
    expect(ran).toBeGreaterThan(0);
    expect(cached).toBe(ran);
  });
});
