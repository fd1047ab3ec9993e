#!/usr/bin/env node
// CommonJS (bin/package.json), as @backflow/protocol/entry: see there.
// A sync's containers start first, while the runner loads (see early-start.cts).
const { startEarly } = require('../dist/launchers/early-start.cjs');
const { importBundle } = require('@backflow/protocol/entry');
startEarly(process.argv).then((early) =>
  // The runner's one-file build (scripts/bundle.mjs) while it is fresh: it starts faster.
  importBundle(__filename)
    .then((bundle) => bundle ?? import('../dist/cli/main.js'))
    .then(({ main }) => main(process.argv, early))
    .then((code) => {
      process.exitCode = code;
    }),
);
