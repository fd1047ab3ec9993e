import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ConnectorProcess, Launcher } from '../launchers/index.js';
import { createReporter } from '../report/reporter.js';
import { ConnectorSession } from './connector-session.js';

/** A launcher whose connector prints `chunks` on stdout and exits cleanly. */
function printing(chunks: string[]): Launcher {
  const process: ConnectorProcess = {
    stdin: new PassThrough(),
    stdout: Readable.from(chunks.map((chunk) => Buffer.from(chunk))),
    stderr: Readable.from([]),
    exit: Promise.resolve({ code: 0, signal: null }),
    stop: async () => undefined,
    [Symbol.asyncDispose]: async () => undefined,
  };
  return { kind: 'process', start: async () => process };
}

const record = (id: number) => JSON.stringify({ type: 'RECORD', record: { stream: 's', data: { id }, emitted_at: 0 } });

describe('ConnectorSession.batches', () => {
  it('hands over the messages of each chunk together, and those before a broken line before failing', async () => {
    const launcher = printing([`${record(1)}\n${record(2)}\n`, `${record(3)}\n{"type":"RECORD"}\n${record(5)}\n`]);
    const session = await ConnectorSession.start(launcher, { name: 'src', command: 'read' }, createReporter([]));
    const batches: number[][] = [];
    const failure = await (async () => {
      for await (const batch of session.batches())
        batches.push(batch.map((m) => m.message.record!.data['id'] as number));
    })().catch((error: unknown) => error);
    expect(batches).toEqual([[1, 2], [3]]);
    expect(failure).toMatchObject({ message: expect.stringMatching(/src \(stdout line 4\): invalid message/) });
  });
});
