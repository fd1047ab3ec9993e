import { runConnectorEntry } from '@backflow/protocol/entry';
await runConnectorEntry(import.meta.url, 'source');
