import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeLine,
  readMessageBatches,
  validateMessage,
  type AirbyteMessage,
  type ConfiguredAirbyteCatalog,
  type LineTaker,
} from '@backflow/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LineMessage } from '../connectors/connector-session.js';
import { DELIVERED, type FingerprintSession } from '../diff/fingerprint-session.js';
import { StreamDiffer, type Decision } from '../diff/stream-differ.js';
import { ConnectorFailure } from '../errors.js';
import { emptyCounts } from '../report/events.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { PlanSession } from '../store/types.js';
import { PrintedRecords, PrintedRow } from './printed-records.js';
import { readAndDiff, type SourceMessages } from './read-and-diff.js';
import { RecordValidator } from './record-validator.js';

const catalog: ConfiguredAirbyteCatalog = {
  streams: [
    {
      stream: {
        name: 'items',
        json_schema: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
        supported_sync_modes: ['full_refresh'],
      },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append',
    },
  ],
};

/** An in-memory source: these messages, then a clean exit. */
function fakeSource(messages: AirbyteMessage[]): SourceMessages & { finished: boolean } {
  return {
    finished: false,
    async *batches(): AsyncGenerator<LineMessage[]> {
      yield messages.map((message, i) => ({ line: i + 1, message, text: JSON.stringify(message) }));
    },
    async finish() {
      this.finished = true;
    },
  };
}
/**
 * A source printing these lines, one chunk each, as a connector's session reads them: lines
 * that the reader takes come unparsed.
 */
function printingSource(lines: string[]): SourceMessages & { finished: boolean; parsed: number } {
  const decode = (text: string, line: number): LineMessage => {
    source.parsed++;
    const decoded = decodeLine(text, line)!;
    return { line, message: validateMessage(decoded.value, { line }), text };
  };
  const source = {
    finished: false,
    parsed: 0,
    async *batches(take?: LineTaker<PrintedRow>) {
      const chunks = lines.map((line) => Buffer.from(`${line}\n`));
      for await (const batch of readMessageBatches(chunks, {}, take)) {
        yield batch.map((item) => (item instanceof PrintedRow ? item : decode(item.text, item.line)));
      }
    },
    decode,
    async finish() {
      this.finished = true;
    },
  };
  return source;
}
const record = (data: Record<string, unknown>, stream = 'items'): AirbyteMessage => ({
  type: 'RECORD',
  record: { stream, data, emitted_at: 0 },
});
const state = (after: number): AirbyteMessage => ({
  type: 'STATE',
  state: { type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { after } } },
});

let dir: string;
let session: PlanSession;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backflow-read-'));
  session = await new SqliteStore(dir).openPlan('c');
});
afterEach(async () => {
  await session.close();
  await rm(dir, { recursive: true, force: true });
});

async function differs(): Promise<Map<string, StreamDiffer>> {
  return new Map([['items', await mirrorDiffer(session, true)]]);
}

/** A differ of stream `items` under `mirror` by `id`, in `store`'s session. */
async function mirrorDiffer(store: { fingerprints: FingerprintSession }, dryRun: boolean): Promise<StreamDiffer> {
  const settings = {
    stream: 'items',
    streamId: await store.fingerprints.streamId('items'),
    behaviour: 'mirror' as const,
    primaryKey: [['id']],
    matchingKeys: [['id']],
    mapper: undefined,
    detectRemoved: true,
    fullResync: false,
    dryRun,
  };
  return new StreamDiffer(settings, store.fingerprints, emptyCounts());
}

describe('readAndDiff', () => {
  it('hands each STATE over after the decisions of every row read before it, then finishes the read', async () => {
    const source = fakeSource([record({ id: 1 }), record({ id: 2 }), state(2), record({ id: 3 }), record({ id: 1 })]);
    const seen: string[] = [];
    const byStream = await differs();
    const complete = await readAndDiff(source, new RecordValidator('src', catalog), byStream, {
      decisions: (_stream, decisions: readonly Decision[]) => {
        for (const d of decisions) seen.push(d.kind === 'send' ? `send ${JSON.stringify(d.data)}` : d.kind);
      },
      state: async (s) => void seen.push(`state ${JSON.stringify(s.stream?.stream_state)}`),
      stopped: () => false,
    });
    expect(complete).toBe(true);
    expect(source.finished).toBe(true);
    expect(seen).toEqual(['send {"id":1}', 'send {"id":2}', 'state {"after":2}', 'send {"id":3}', 'invalid']);
    expect(byStream.get('items')!.counts).toMatchObject({ read: 4, added: 3, invalid: 1 });
  });

  it('fails on a record that breaks its stream schema or names a stream not in the catalog, naming the line', async () => {
    const read = (messages: AirbyteMessage[]) =>
      differs().then((d) =>
        readAndDiff(fakeSource(messages), new RecordValidator('src', catalog), d, {
          decisions: () => undefined,
          stopped: () => false,
        }),
      );
    await expect(read([record({ id: 1 }), record({ id: 'two' })])).rejects.toThrow(
      /src \(stdout line 2\): RECORD does not match its stream schema/,
    );
    await expect(read([record({ id: 1 }, 'other')])).rejects.toThrow(ConnectorFailure);
  });

  it("hands a row's line over only when the line holds nothing but the row", async () => {
    const withMeta: AirbyteMessage = {
      type: 'RECORD',
      record: { stream: 'items', data: { id: 2 }, emitted_at: 0, meta: { changes: [] } },
    };
    const source = fakeSource([record({ id: 1 }), withMeta]);
    const lines: (string | undefined)[] = [];
    await readAndDiff(source, new RecordValidator('src', catalog), await differs(), {
      decisions: (_stream, decisions) => void lines.push(...decisions.map((d) => (d.kind === 'send' ? d.line : ''))),
      stopped: () => false,
    });
    expect(lines).toEqual([JSON.stringify(record({ id: 1 })), undefined]);
  });

  it("finds a row's text in a line printed as Backflow's SDK prints it, and in no other line", () => {
    const printed = new PrintedRecords();
    const sdk = (stream: string, middle: string, tail = ',"emitted_at":17}}') =>
      `{"type":"RECORD","record":{"stream":"${stream}"${middle},"data":{"id":1,"n":"a,\\"emitted_at\\":2"}${tail}`;
    const record = { stream: 'items', data: {}, emitted_at: 17 };
    expect(printed.dataText('items', record, sdk('items', ''))).toBe('{"id":1,"n":"a,\\"emitted_at\\":2"}');
    expect(printed.dataText('ns.items', { ...record, namespace: 'ns' }, sdk('items', ',"namespace":"ns"'))).toBe(
      '{"id":1,"n":"a,\\"emitted_at\\":2"}',
    );
    // A second `data` after the time would be the one parsed: the text before it is not the row.
    expect(printed.dataText('items', record, sdk('items', '', ',"emitted_at":17,"data":{"id":2}}}'))).toBeUndefined();
    expect(printed.dataText('items', record, sdk('items', '').replace('"type":', '"type": '))).toBeUndefined();
    expect(printed.dataText('items', record, sdk('other', ''))).toBeUndefined();
  });

  it('takes the lines of a stream once one was read, with an integer key first in the data, and no others', () => {
    const printed = new PrintedRecords();
    const line = (data: string, stream = 'items', tail = ',"emitted_at":17}}') =>
      Buffer.from(`{"type":"RECORD","record":{"stream":"${stream}","data":${data}${tail}`);
    const take = (bytes: Buffer) => printed.take(bytes, 0, bytes.length, 7);
    expect(take(line('{"id":1}'))).toBeUndefined();
    const differ = { printedKeyField: '{"id":' } as StreamDiffer;
    const first = line('{"id":1}').toString();
    printed.dataText('items', { stream: 'items', data: { id: 1 }, emitted_at: 17 }, first, differ);
    const taken = take(line('{"id":12,"n":"x"}'));
    expect(taken).toBeInstanceOf(PrintedRow);
    expect(taken).toMatchObject({ stream: 'items', differ, key: 12, line: 7 });
    expect(taken!.buffer.toString('utf8', taken!.dataStart, taken!.dataEnd)).toBe('{"id":12,"n":"x"}');
    expect(taken!.text()).toBe(line('{"id":12,"n":"x"}').toString());
    expect(take(line('{"id":"123456789012345"}'))!.key).toBe(123456789012345);
    expect(take(line('{"id":-4}'))!.key).toBe(-4);
    expect(take(line('{"id":0}'))!.key).toBe(0);
    for (const data of [
      '{"id":"1234567890123456"}', // more digits than are always safe
      '{"id":01}',
      '{"id":1.5}',
      '{"id":"1}',
      '{"id":1e3}',
      '{"id": 1}',
      '{"n":1,"id":1}',
      '{"id":true}',
    ]) {
      expect(take(line(data)), data).toBeUndefined();
    }
    expect(take(line('{"id":1}', 'other'))).toBeUndefined();
    expect(take(line('{"id":1}', 'items', ',"emitted_at":17,"data":{"id":2}}}'))).toBeUndefined();
    expect(take(line('{"id":1}', 'items', ',"emitted_at":}}'))).toBeUndefined();
    expect(take(line('{"id":1}', 'items', '}}'))).toBeUndefined();
  });

  it('counts rows whose printed text proves them unchanged without parsing them, and parses the others', async () => {
    const sdk = (data: Record<string, unknown>) =>
      `{"type":"RECORD","record":{"stream":"items","data":${JSON.stringify(data)},"emitted_at":1}}`;
    const run = async (lines: string[]) => {
      const sync = await new SqliteStore(dir).openSync('d');
      const differ = await mirrorDiffer(sync, false);
      const stream = differ.settings.streamId!;
      const seen: string[] = [];
      const source = printingSource(lines);
      await readAndDiff(source, new RecordValidator('src', catalog), new Map([['items', differ]]), {
        decisions: async (_s, decisions) => {
          const outcomes = decisions.flatMap((d) =>
            d.kind === 'send'
              ? [{ stream, key: d.key!, op: d.op, flags: DELIVERED, hash: d.hash, matchKey: d.matchKey }]
              : [],
          );
          await sync.commit({ outcomes });
          seen.push(...decisions.map((d) => (d.kind === 'send' ? `${d.op} ${d.key}` : d.kind)));
        },
        state: async () => void seen.push('state'),
        stopped: () => false,
      });
      await sync.close();
      return { seen, counts: differ.counts, parsed: source.parsed };
    };
    const rows = [1, 2, 3, 4].map((id) => sdk({ id, n: `n${id}` }));
    expect((await run(rows)).counts).toMatchObject({ read: 4, added: 4 });
    const rerun = await run([
      rows[0]!,
      rows[1]!,
      JSON.stringify(state(2)),
      sdk({ id: 3, n: 'changed' }),
      rows[1]!,
      sdk({ id: 5, n: 'new' }),
    ]);
    expect(rerun.seen).toEqual(['state', 'upsert 3', 'upsert 5', 'invalid', 'delete 4']);
    expect(rerun.counts).toMatchObject({ read: 5, unchanged: 2, changed: 1, added: 1, invalid: 1, removed: 1 });
    // Every line but the first row 2 (proven unchanged by its text; the first line taught the layout) was parsed.
    expect(rerun.parsed).toBe(5);
  });

  it('a taken line that is not an unchanged row fails as any line would, naming its line', async () => {
    const sdk = (data: string) => `{"type":"RECORD","record":{"stream":"items","data":${data},"emitted_at":1}}`;
    const read = (lines: string[]) =>
      differs().then((d) =>
        readAndDiff(printingSource(lines), new RecordValidator('src', catalog), d, {
          decisions: () => undefined,
          stopped: () => false,
        }),
      );
    await expect(read([sdk('{"id":1}'), sdk('{"id":2,"n":}')])).rejects.toThrow(/line 2/);
    await expect(read([sdk('{"id":1}'), '', sdk('{"id":3,"n":1}'), sdk('{"id":4,"n":"x"')])).rejects.toThrow(/line 4/);
  });

  it('stops when told, without finishing the read', async () => {
    const source = fakeSource([record({ id: 1 }), record({ id: 2 })]);
    let stop = false;
    const complete = await readAndDiff(source, new RecordValidator('src', catalog), await differs(), {
      decisions: () => void (stop = true),
      stopped: () => stop,
    });
    expect(complete).toBe(false);
    expect(source.finished).toBe(false);
  });
});
