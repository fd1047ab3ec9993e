import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/workspace.js';

// What scripts/bundle.mjs leaves out of the one-file builds (`npm run build`), each parsed or
// run at every start of a connector or of the runner.
const connectorsDir = join(REPO_ROOT, 'connectors');
const withSpec = readdirSync(connectorsDir).filter((name) => existsSync(join(connectorsDir, name, 'spec.json')));
const bundled = withSpec.filter((name) => existsSync(join(connectorsDir, name, 'dist', 'bundle.json')));
const runnerBundle = join(REPO_ROOT, 'runner', 'dist', 'bundle');

/** The start of a connector's config schema as the generated validators hold it, and the bundler prints it. */
function configSchemaText(name: string): string {
  const spec = JSON.parse(readFileSync(join(connectorsDir, name, 'spec.json'), 'utf8')) as {
    connectionSpecification: unknown;
  };
  return JSON.stringify(JSON.stringify(spec.connectionSpecification)).slice(0, 300);
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

  it.each(bundled.filter((name) => name.endsWith('-postgres')))(
    '%s has no pg probe for Cloudflare Workers (it loads undici on Node 20)',
    (name) => {
      expect(bundleText(name)).not.toMatch(/new Response\(null, \{\s*cf:/);
    },
  );
});

describe.runIf(existsSync(runnerBundle))("the runner's bundle", () => {
  it('holds the config validators of every connector', () => {
    const text = readdirSync(runnerBundle)
      .map((file) => readFileSync(join(runnerBundle, file), 'utf8'))
      .join('\n');
    expect(withSpec.filter((name) => !text.includes(configSchemaText(name)))).toEqual([]);
  });
});
