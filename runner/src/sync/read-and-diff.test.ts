import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AirbyteMessage, ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LineMessage } from '../connectors/connector-session.js';
import { StreamDiffer, type Decision } from '../diff/stream-differ.js';
import { ConnectorFailure } from '../errors.js';
import { emptyCounts } from '../report/events.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { PlanSession } from '../store/types.js';
import { PrintedRecords, readAndDiff, type SourceMessages } from './read-and-diff.js';
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
  const settings = {
    stream: 'items',
    streamId: await session.fingerprints.streamId('items'),
    behaviour: 'mirror' as const,
    primaryKey: [['id']],
    matchingKeys: [['id']],
    mapper: undefined,
    detectRemoved: true,
    fullResync: false,
    dryRun: true,
  };
  return new Map([['items', new StreamDiffer(settings, session.fingerprints, emptyCounts())]]);
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
