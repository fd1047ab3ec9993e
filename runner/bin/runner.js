#!/usr/bin/env node
import { importBundle } from '@backflow/protocol/entry';
// The runner's one-file build (scripts/bundle.mjs) while it is fresh: it starts faster.
const { main } = (await importBundle(import.meta.url)) ?? (await import('../dist/cli/main.js'));
process.exitCode = await main(process.argv);
