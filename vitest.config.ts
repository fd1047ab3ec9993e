import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their `source` export condition, so they run
// against the TypeScript sources; spawned connectors run the built `dist/` (see `npm test`).
// The runner's one CommonJS module (the first step of `runner sync`, run before any other)
// is imported as built: Vite does not compile `.cts`.
export default defineConfig({
  resolve: {
    conditions: ['source'],
    alias: [
      {
        find: /^.*\/launchers\/early-start\.cjs$/,
        replacement: fileURLToPath(new URL('runner/dist/launchers/early-start.cjs', import.meta.url)),
      },
    ],
  },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'templates/**', '.backflow/**', 'examples/**'],
    testTimeout: 240_000,
    hookTimeout: 300_000,
  },
});
