import { appendFile } from 'node:fs/promises';
import {
  ConfigError,
  defineDestination,
  loadSpec,
  type IncomingRecord,
  type Rejection,
} from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';

/**
 * {{title}}: receives batches of records and makes them durable at each commit. Replace the
 * file writes with calls to your system; the SDK owns everything else (command line, config
 * validation, batching, state ordering, logging, exit codes).
 */
export const destination = defineDestination<Config>({
  spec: loadSpec(import.meta.url, '../spec.json'),

  async check({ config }) {
    if (!config.path.endsWith('.jsonl')) return { ok: false, message: `path ${config.path} must end with .jsonl` };
    return { ok: true };
  },

  async open({ config, catalog }) {
    for (const stream of catalog.streams) {
      if (stream.behaviour === 'mirror' || stream.behaviour === 'update') {
        throw new ConfigError(
          `stream "${stream.stream.name}": {{name}} does not support behaviour ${stream.behaviour}`,
        );
      }
    }
    let pending: string[] = [];
    return {
      async write({ stream, records }) {
        const rejected: Rejection[] = [];
        records.forEach((record: IncomingRecord, index) => {
          if (record.operation === 'delete') {
            rejected.push({ index, reason: 'deletes are not supported', retryable: false });
            return;
          }
          pending.push(JSON.stringify({ stream: stream.stream.name, ...record.data }));
        });
        return { rejected };
      },
      async commit() {
        if (pending.length === 0) return;
        await appendFile(config.path, pending.join('\n') + '\n');
        pending = [];
      },
      async close() {
        pending = [];
      },
    };
  },
});
