import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSource } from './definitions.js';
import { runConnector } from './run-connector.js';

const spec = { connectionSpecification: { type: 'object' } };

/** stdout of a runner that goes away after `accepted` writes: the next write fails with EPIPE. */
function pipeClosedAfter(accepted: number): Writable {
  let writes = 0;
  return new Writable({
    // Never asks to wait for drain, as a pipe with room does: the failure arrives as an 'error' event.
    highWaterMark: 1 << 30,
    write(_chunk, _encoding, callback) {
      if (++writes <= accepted) return callback();
      callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' }));
    },
  });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'closed-pipe-'));
  await writeFile(join(dir, 'config.json'), '{}');
  await writeFile(
    join(dir, 'catalog.json'),
    JSON.stringify({
      streams: [
        {
          stream: { name: 'n', json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh'] },
          sync_mode: 'full_refresh',
          destination_sync_mode: 'append',
        },
      ],
    }),
  );
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('a connector whose stdout reader has gone', () => {
  it('stops reading and exits 1 quietly: no uncaught EPIPE, no stack trace', async () => {
    let read = 0;
    const endless = defineSource({
      spec,
      async discover() {
        return { streams: [] };
      },
      async *read() {
        for (;;) yield { n: ++read };
      },
    });
    const args = ['read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')];
    // An uncaught 'error' event or a rejection would fail this test (vitest reports them).
    const code = await runConnector(endless, args, { stdin: Readable.from([]), stdout: pipeClosedAfter(1) });
    expect(code).toBe(1);
    expect(read).toBeGreaterThan(0);
  });
});
