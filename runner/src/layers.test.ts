import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The runner's layers, lowest first (runner/README.md): a module may import from its own
 * folder and from folders of lower layers, never upward. Tests are exempt: they wire layers
 * together on purpose.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['generated', 'errors.ts'],
  ['mapping', 'launchers', 'report'],
  ['diff'],
  ['store'],
  ['connection', 'connectors', 'history', 'acceptance'],
  ['sync'],
  ['serve'],
  ['cli'],
  ['index.ts'],
];
/** The one-launcher and one-store rules: only these folders may use these libraries. */
const OWNERS: Readonly<Record<string, string>> = {
  dockerode: 'launchers',
  pg: 'store',
  'better-sqlite3': 'store',
};

const SRC = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The top-level folder (or root file) of a path under src/. */
function part(path: string): string {
  return relative(SRC, path).split('/')[0]!.replace(/\.js$/, '.ts');
}

function rank(name: string): number {
  const index = LAYERS.findIndex((layer) => layer.includes(name));
  if (index < 0) throw new Error(`${name} is in no layer: add it to LAYERS and runner/README.md`);
  return index;
}

/** Every import and re-export specifier of a file (static and dynamic). */
function specifiers(text: string): string[] {
  const found = text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g);
  return [...found].map((m) => m[1] ?? m[2]!);
}

/** Import problems of source files: upward imports, and libraries used outside their owner. */
function violations(files: readonly { path: string; text: string }[]): string[] {
  const problems: string[] = [];
  for (const { path: file, text } of files) {
    const from = part(file);
    for (const specifier of specifiers(text)) {
      if (specifier.startsWith('.')) {
        const to = part(resolve(dirname(file), specifier));
        if (to !== from && rank(to) > rank(from)) problems.push(`${relative(SRC, file)} imports ${specifier} (upward)`);
      } else {
        const owner = OWNERS[specifier];
        if (owner && owner !== from) problems.push(`${relative(SRC, file)} imports ${specifier} (only ${owner}/ may)`);
      }
    }
  }
  return problems;
}

describe('runner layers', () => {
  it('no module imports upward, and only launchers/ and store/ use Docker, processes and databases', () => {
    const files = sources(SRC).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
    expect(files.length).toBeGreaterThan(50);
    expect(violations(files)).toEqual([]);
  });

  it('the check sees an upward import and a library used outside its owner', () => {
    const text = [
      "import { sync } from '../../sync/run-sync.js';",
      "export { plan } from '../../sync/plan-sync.js';",
      "import Docker from 'dockerode';",
      "import { keyId } from '../../diff/fingerprint.js';",
      "const lazy = await import('../../cli/main.js');",
    ].join('\n');
    expect(violations([{ path: join(SRC, 'store', 'sqlite', 'probe.ts'), text }])).toEqual([
      'store/sqlite/probe.ts imports ../../sync/run-sync.js (upward)',
      'store/sqlite/probe.ts imports ../../sync/plan-sync.js (upward)',
      'store/sqlite/probe.ts imports dockerode (only launchers/ may)',
      'store/sqlite/probe.ts imports ../../cli/main.js (upward)',
    ]);
  });
});
