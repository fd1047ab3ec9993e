#!/usr/bin/env node
// Test connector, source and destination at once: `read` and `write` say so in a LOG message
// and then never finish (the source sends nothing, the destination waits for its input), so a
// test can kill a runner mid-sync at a known point, with both connectors running and their
// configs — with the `password` secret — handed over. Dependency-free, on purpose.
import { readFileSync } from 'node:fs';

const [command, ...args] = process.argv.slice(2);
const print = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const flag = (name) => args[args.indexOf(`--${name}`) + 1];
const stream = {
  name: 'items',
  json_schema: { type: 'object', properties: { id: { type: 'integer' } } },
  supported_sync_modes: ['full_refresh'],
};

if (command === 'spec') {
  print({
    type: 'SPEC',
    spec: {
      connectionSpecification: {
        type: 'object',
        required: ['password'],
        properties: { password: { type: 'string', airbyte_secret: true } },
      },
      supported_destination_sync_modes: ['append'],
    },
  });
  process.exit(0);
}
JSON.parse(readFileSync(flag('config'), 'utf8'));
if (command === 'check') {
  print({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } });
} else if (command === 'discover') {
  print({ type: 'CATALOG', catalog: { streams: [stream] } });
} else if (command === 'read' || command === 'write') {
  print({ type: 'LOG', log: { level: 'INFO', message: `hanging connector: ${command} started` } });
  // Keeps running until killed (the source) or until its input closes (the destination).
  setInterval(() => undefined, 60_000);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
