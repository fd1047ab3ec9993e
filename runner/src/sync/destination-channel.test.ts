import { PassThrough } from 'node:stream';
import type { AirbyteMessage, AirbyteStateMessage } from '@backflow/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LineMessage } from '../connectors/connector-session.js';
import { createReporter } from '../report/reporter.js';
import { DestinationChannel, type DestinationConnection } from './destination-channel.js';
import type { SentRecord } from './in-flight.js';

/**
 * An in-memory destination: what the runner writes is parsed from its stdin, and `echo`
 * makes it answer with a STATE, as a destination does once it has committed.
 */
function fakeDestination(options: { echoAll?: boolean } = {}) {
  const stdin = new PassThrough();
  const written: AirbyteMessage[] = [];
  let buffered = '';
  stdin.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const message = JSON.parse(line) as AirbyteMessage;
      written.push(message);
      if (options.echoAll && message.type === 'STATE') echo(message.state!);
    }
  });
  const echoes: AirbyteMessage[] = [];
  const echo = (state: AirbyteStateMessage) => {
    echoes.push({ type: 'STATE', state });
    wake?.();
  };
  let wake: (() => void) | undefined;
  let ended = false;
  const destination: DestinationConnection = {
    name: 'dest',
    stdin,
    lastActivity: Date.now(),
    async *messages(): AsyncGenerator<LineMessage> {
      for (let line = 1; ; line++) {
        while (echoes.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
        const message = echoes.shift();
        if (!message) return;
        yield { line, message, text: JSON.stringify(message) };
      }
    },
  };
  return {
    destination,
    written,
    echo,
    end() {
      ended = true;
      wake?.();
    },
  };
}

const record = (id: number): SentRecord => ({
  stream: 'items',
  streamId: 1,
  key: id,
  op: 'upsert',
  hash: Buffer.alloc(8, id).toString('hex'),
  matchKey: `[${id}]`,
  data: { id },
});

const settings = { checkpointEvery: 2, matchingKeys: () => [['id']], descriptor: () => ({ name: 'items' }) };

describe('DestinationChannel', () => {
  it('sends records, asks for a commit every checkpointEvery records, and settles each echo', async () => {
    const fake = fakeDestination();
    const channel = new DestinationChannel(fake.destination, settings, createReporter([]), () => false);
    const commits: { records: number; accepted: number; rejected: number }[] = [];
    const receiving = channel.receive(async (commit, settled) => {
      commits.push({
        records: commit.sentThrough,
        accepted: settled.accepted.get('items') ?? 0,
        rejected: settled.refused.length,
      });
    });
    for (const id of [1, 2, 3]) await channel.sendRecord(record(id));
    await channel.end();
    const states = fake.written.filter((m) => m.type === 'STATE');
    expect(fake.written.map((m) => m.type)).toEqual(['RECORD', 'RECORD', 'STATE', 'RECORD']);
    expect(channel.unconfirmed).toBe(3);
    fake.echo({
      ...states[0]!.state!,
      destinationStats: {
        recordCount: 2,
        rejected_records: [{ stream: 'items', key: { id: 2 }, reason: 'no', retryable: false }],
      },
    });
    fake.end();
    await receiving;
    expect(commits).toEqual([{ records: 2, accepted: 1, rejected: 1 }]);
    expect(channel.unconfirmed).toBe(1);
  });

  it("sends a record's source line as printed, and takes lines only of streams that keep their name", async () => {
    const fake = fakeDestination();
    const channel = new DestinationChannel(fake.destination, settings, createReporter([]), () => false);
    const { data: _data, ...withoutData } = record(1);
    await channel.sendRecord({
      ...withoutData,
      line: '{"type":"RECORD","record":{"stream":"items","data":{"id":1},"emitted_at":5}}',
    });
    await channel.end();
    expect(fake.written[0]!.record).toEqual({ stream: 'items', data: { id: 1 }, emitted_at: 5 });
    expect(channel.sendsLinesOf('items')).toBe(true);
    const renaming = new DestinationChannel(
      fakeDestination().destination,
      { ...settings, descriptor: () => ({ name: 'contacts' }) },
      createReporter([]),
      () => false,
    );
    expect(renaming.sendsLinesOf('items')).toBe(false);
  });

  it('fails on an echo of a STATE it never sent', async () => {
    const fake = fakeDestination();
    const channel = new DestinationChannel(fake.destination, settings, createReporter([]), () => false);
    const receiving = channel.receive(async () => undefined);
    fake.echo({ type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { x: 1 } } });
    await expect(receiving).rejects.toThrow(/dest \(stdout line 1\): echoed a STATE that the runner never sent/);
  });

  it('forwards source states; settle() waits until every record sent is confirmed', async () => {
    const fake = fakeDestination({ echoAll: true });
    const channel = new DestinationChannel(
      fake.destination,
      { ...settings, checkpointEvery: 100 },
      createReporter([]),
      () => false,
    );
    let confirmed!: () => void;
    const firstEcho = new Promise<void>((resolve) => (confirmed = resolve));
    const receiving = channel.receive(async () => confirmed());
    await channel.sendRecord(record(1));
    const source: AirbyteStateMessage = {
      type: 'STREAM',
      stream: { stream_descriptor: { name: 'items' }, stream_state: { after: 1 } },
    };
    await channel.forwardState(source);
    // A destination seen confirming during the run is waited for.
    await firstEcho;
    await channel.sendRecord(record(2));
    expect(channel.unconfirmed).toBeGreaterThan(0);
    // settle() asks for a commit of record 2 and waits for its echo.
    expect(await channel.settle()).toBe(true);
    expect(fake.written.filter((m) => m.type === 'STATE')).toHaveLength(2);
    expect(channel.unconfirmed).toBe(0);
    fake.end();
    await receiving;
  });

  describe('settle() with a destination that has confirmed nothing yet', () => {
    afterEach(() => vi.useRealTimers());

    it("returns at once, without any timer, so the destination's exit and last echo end the run", async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
      const fake = fakeDestination();
      const channel = new DestinationChannel(fake.destination, settings, createReporter([]), () => false);
      const receiving = channel.receive(async () => undefined);
      await channel.sendRecord(record(1));
      // Resolves with no clock advanced: nothing waits for silence.
      expect(await channel.settle()).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
      await channel.end();
      const states = fake.written.filter((m) => m.type === 'STATE');
      fake.echo(states.at(-1)!.state!);
      fake.end();
      await receiving;
      expect(channel.unconfirmed).toBe(0);
    });
  });
});
