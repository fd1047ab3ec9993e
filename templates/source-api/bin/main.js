import { runConnector } from '@backflow/protocol/connector';
await runConnector((await import('../dist/index.js')).source, process.argv.slice(2));
