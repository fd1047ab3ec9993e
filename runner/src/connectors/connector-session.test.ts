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

  it('hands the lines a taker accepts over unparsed, and decodes one later as it would have, failing the same way', async () => {
    const launcher = printing([`${record(1)}\nnot json\n${record(3)}\n`]);
    const session = await ConnectorSession.start(launcher, { name: 'src', command: 'read' }, createReporter([]));
    const take = (buffer: Buffer, start: number, end: number, line: number) =>
      buffer.toString('utf8', start, end) === record(1) || buffer.toString('utf8', start, end) === 'not json'
        ? { line, text: buffer.toString('utf8', start, end) }
        : undefined;
    const items: unknown[] = [];
    for await (const batch of session.batches(take)) items.push(...batch);
    expect(items).toEqual([
      { line: 1, text: record(1) },
      { line: 2, text: 'not json' },
      expect.objectContaining({ line: 3, message: expect.objectContaining({ type: 'RECORD' }) }),
    ]);
    expect(session.decode(record(1), 1).message.record!.data).toEqual({ id: 1 });
    expect(() => session.decode('not json', 2)).toThrow(/src \(stdout line 2\): invalid message/);
    expect(() => session.decode('{"type":"RECORD"}', 7)).toThrow(/src \(stdout line 7\): invalid message/);
  });
});
