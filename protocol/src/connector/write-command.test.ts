import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readMessages } from '../ndjson/index.js';
import { runInProcess } from '../testing/harness.js';
import type { AirbyteMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog } from '../types.js';
import { defineDestination, type DestinationDefinition } from './definitions.js';
import { runConnector } from './run-connector.js';

const destination = defineDestination({
  spec: { connectionSpecification: { type: 'object' }, limits: { max_batch_size: 2 } },
  async check() {
    return { ok: true };
  },
  async open() {
    return {
      async write({ records }) {
        return {
          rejected: records.flatMap((r, index) => (r.data['bad'] ? [{ index, reason: 'bad', retryable: false }] : [])),
        };
      },
    };
  },
});

const configured = (name: string) => ({
  stream: { name, json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh' as const] },
  sync_mode: 'full_refresh' as const,
  destination_sync_mode: 'append' as const,
});
const catalog: ConfiguredAirbyteCatalog = { streams: [configured('a'), configured('c')] };

const record = (stream: string, id: number, extra: object = {}): AirbyteMessage => ({
  type: 'RECORD',
  record: { stream, data: { id, ...extra }, emitted_at: 1 },
});
const streamState = (stream: string, recordCount: number): AirbyteMessage => ({
  type: 'STATE',
  state: {
    type: 'STREAM',
    stream: { stream_descriptor: { name: stream }, stream_state: { stream } },
    sourceStats: { recordCount },
  },
});
const globalState = (recordCount: number): AirbyteMessage => ({
  type: 'STATE',
  state: {
    type: 'GLOBAL',
    global: { shared_state: { at: recordCount }, stream_states: [] },
    sourceStats: { recordCount },
  },
});
const counts = (states: AirbyteStateMessage[]) =>
  states.map((s) => [s.sourceStats?.recordCount, s.destinationStats?.recordCount]);

describe('destinationStats.recordCount on echoed states', () => {
  it("counts a STREAM state's own stream only, matching the source's count", async () => {
    const input = [
      record('a', 1),
      record('a', 2),
      record('c', 1),
      record('a', 3),
      record('c', 2),
      streamState('a', 3),
      streamState('c', 2),
      record('c', 3),
      streamState('a', 0),
      streamState('c', 1),
    ];
    const run = await runInProcess(destination, 'write', { config: {}, catalog, input });
    expect(run.exitCode).toBe(0);
    expect(counts(run.states)).toEqual([
      [3, 3],
      [2, 2],
      [0, 0],
      [1, 1],
    ]);
  });

  it('counts every stream since the last echo on GLOBAL (and LEGACY) states', async () => {
    const legacy: AirbyteMessage = { type: 'STATE', state: { data: { cursor: 9 } } };
    const input = [record('a', 1), record('c', 1), globalState(2), record('c', 2), legacy, globalState(0)];
    const run = await runInProcess(destination, 'write', { config: {}, catalog, input });
    expect(run.states.map((s) => s.destinationStats?.recordCount)).toEqual([2, 1, 0]);
  });

  it('reports rejections on the echo that commits them, whatever their stream', async () => {
    const input = [record('a', 1), record('c', 1, { bad: true }), streamState('a', 1), streamState('c', 1)];
    const run = await runInProcess(destination, 'write', { config: {}, catalog, input });
    expect(run.states.map((s) => s.destinationStats)).toEqual([
      {
        recordCount: 1,
        rejectedRecordCount: 1,
        rejected_records: [{ stream: 'c', key: {}, reason: 'bad', retryable: false }],
      },
      { recordCount: 1, rejectedRecordCount: 0 },
    ]);
  });
});

/** Runs `write` on `stdin` as given (runInProcess sends one message per chunk); returns the exit code and output types. */
async function writeFrom(target: DestinationDefinition, stdin: Readable) {
  const dir = await mkdtemp(join(tmpdir(), 'backflow-write-'));
  try {
    await writeFile(join(dir, 'config.json'), '{}');
    await writeFile(join(dir, 'catalog.json'), JSON.stringify(catalog));
    const stdout = new PassThrough();
    const output = readMessages(stdout);
    const argv = ['write', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')];
    const exitCode = await runConnector(target, argv, { stdin, stdout });
    stdout.end();
    const echoed: unknown[] = [];
    for await (const { value } of output) echoed.push(value['type']);
    return { exitCode, echoed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('reading stdin', () => {
  it('still writes and echoes what came before a broken line in the same chunk', async () => {
    const chunk = [record('a', 1), streamState('a', 1)].map((m) => `${JSON.stringify(m)}\n`).join('') + '{"type":\n';
    const { exitCode, echoed } = await writeFrom(destination, Readable.from([chunk]));
    expect(exitCode).toBe(1);
    expect(echoed).toEqual(['STATE', 'TRACE']);
  });
});

describe('one batch at a time', () => {
  it('reads on while a batch is written, and never writes or commits two things at once', async () => {
    const events: string[] = [];
    let inputRead!: () => void;
    const wholeInputRead = new Promise<void>((resolve) => (inputRead = resolve));
    let busy = false;
    const exclusive = async (what: string, work?: Promise<void>) => {
      if (busy) events.push(`${what} while busy`);
      busy = true;
      events.push(what);
      await work;
      busy = false;
    };
    const slow = defineDestination({
      spec: { connectionSpecification: { type: 'object' }, limits: { max_batch_size: 2 } },
      async check() {
        return { ok: true };
      },
      async open() {
        return {
          // The first batch only ends once the rest of the input is read, i.e. read while it is written.
          write: ({ records }) =>
            exclusive(
              `write ${records.map((r) => r.data['id']).join(',')}`,
              records[0]?.data['id'] === 1 ? wholeInputRead : undefined,
            ),
          commit: () => exclusive('commit'),
        };
      },
    });
    // Far more lines than stream buffers hold, so the last is only asked for when the SDK reads on.
    const logs = Array.from({ length: 200 }, (_, i): AirbyteMessage => ({
      type: 'LOG',
      log: { level: 'INFO', message: `log ${i}` },
    }));
    const lines = [record('a', 1), record('a', 2), ...logs, record('a', 3), streamState('a', 3)];
    async function* stdin() {
      for (const [index, message] of lines.entries()) {
        if (index === lines.length - 1) inputRead();
        yield `${JSON.stringify(message)}\n`;
      }
    }
    const { exitCode, echoed } = await writeFrom(slow, Readable.from(stdin()));
    expect(exitCode).toBe(0);
    expect(events).toEqual(['write 1,2', 'write 3', 'commit']);
    expect(echoed).toEqual(['STATE']);
  });

  it('fails as soon as a write fails, though the sender waits for the echo before sending more', async () => {
    const failing = defineDestination({
      spec: { connectionSpecification: { type: 'object' } },
      async check() {
        return { ok: true };
      },
      async open() {
        return {
          write: async () => {
            await Promise.resolve();
            throw new Error('connection lost');
          },
        };
      },
    });
    // Never ended, as a runner waiting for the echo leaves it.
    const stdin = new PassThrough();
    stdin.write([record('a', 1), streamState('a', 1)].map((m) => `${JSON.stringify(m)}\n`).join(''));
    const { exitCode, echoed } = await writeFrom(failing, stdin);
    expect(exitCode).toBe(1);
    expect(echoed).toEqual(['TRACE']);
  });
});
