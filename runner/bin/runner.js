#!/usr/bin/env node
// CommonJS (bin/package.json), as @backflow/protocol/entry: see there.
const { importBundle } = require('@backflow/protocol/entry');
// The runner's one-file build (scripts/bundle.mjs) while it is fresh: it starts faster.
importBundle(__filename)
  .then((bundle) => bundle ?? import('../dist/cli/main.js'))
  .then(({ main }) => main(process.argv))
  .then((code) => {
    process.exitCode = code;
  });
