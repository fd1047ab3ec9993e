import { importBundle } from '@backflow/protocol/bundled';
// The package's one-file build (scripts/bundle.mjs) while it is fresh: it starts faster.
const { runConnector, destination } = (await importBundle(import.meta.url)) ?? {
  ...(await import('@backflow/protocol/connector')),
  ...(await import('../dist/index.js')),
};
await runConnector(destination, process.argv.slice(2));
