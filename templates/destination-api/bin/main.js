import { runConnector } from '@backflow/protocol/connector';
await runConnector((await import('../dist/index.js')).destination, process.argv.slice(2));
