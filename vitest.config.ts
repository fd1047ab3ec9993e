import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their `source` export condition, so they run
// against the TypeScript sources; spawned connectors run the built `dist/` (see `npm test`).
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'templates/**', '.backflow/**', 'examples/**'],
    testTimeout: 240_000,
    hookTimeout: 300_000,
  },
});
