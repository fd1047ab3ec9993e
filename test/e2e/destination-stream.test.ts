import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sync } from '@backflow/runner';
import type { AirbyteMessage, AirbyteStateMessage } from '@backflow/protocol';
import { committedStates } from '../support/state.js';
import { fixtureCommand, tempWorkspace } from '../support/workspace.js';

// `destination_stream`: the destination receives a stream name of its own, while the runner
// keeps fingerprints and state under the source's.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

const RENAMED = { name: 'warehouse__backflow__account_metrics', namespace: 'warehouse' };

const connection = () => ({
  name: 'renamed',
  source: {
    command: fixtureCommand('source-counter'),
    config: { count: 250, checkpoint_every: 100, streams: ['account_metrics', 'users'] },
  },
  destination: {
    command: fixtureCommand('destination-recorder'),
    config: { path: ws.path('committed.jsonl'), wire_path: ws.path('wire.jsonl'), reject_keys: [7] },
  },
  streams: [
    { name: 'account_metrics', sync_mode: 'incremental', cursor_field: 'id', destination_stream: RENAMED },
    { name: 'users', sync_mode: 'full_refresh' },
  ],
  state: ws.path('state'),
  checkpoint_every: 60,
  retries: { rounds: 0 },
});

async function jsonLines<T>(path: string): Promise<T[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

describe('destination_stream', () => {
  it('sends records and states under the destination name, and keeps state under the source name', async () => {
    const file = await ws.connection('renamed', connection());
    const first = await sync(file);
    expect(first.error).toBeUndefined();
    // Key 7 of each stream is refused; the refusal is matched to the record sent and reported by source name.
    expect(first.streams['account_metrics']).toMatchObject({ read: 250, sent: 250, committed: 249, rejected: 1 });
    expect(first.streams['users']).toMatchObject({ read: 250, sent: 250, committed: 249, rejected: 1 });
    expect(first.rejections.map((r) => r.stream).sort()).toEqual(['account_metrics', 'users']);

    const wire = await jsonLines<AirbyteMessage>(ws.path('wire.jsonl'));
    const recordStreams = new Set(wire.flatMap((m) => (m.record ? [`${m.record.namespace}.${m.record.stream}`] : [])));
    expect(recordStreams).toEqual(new Set([`${RENAMED.namespace}.${RENAMED.name}`, 'undefined.users']));
    const stateStreams = new Set(
      wire.flatMap((m) => (m.state?.stream ? [JSON.stringify(m.state.stream.stream_descriptor)] : [])),
    );
    expect(stateStreams).toEqual(new Set([JSON.stringify(RENAMED), JSON.stringify({ name: 'users' })]));
    const committed = await jsonLines<{ stream: string }>(ws.path('committed.jsonl'));
    expect(committed.filter((r) => r.stream === RENAMED.name)).toHaveLength(249);

    const states = (await committedStates(ws.path('state'), 'renamed')) as Record<string, AirbyteStateMessage>;
    expect(Object.keys(states).sort()).toEqual(['stream:account_metrics', 'stream:users']);
    expect(states['stream:account_metrics']!.stream!.stream_descriptor).toEqual({ name: 'account_metrics' });
    expect(states['stream:account_metrics']!.stream!.stream_state).toEqual({ after: 250 });

    // The rerun resumes from the source stream's state and finds nothing new to send.
    const second = await sync(file);
    expect(second.error).toBeUndefined();
    expect(second.streams['account_metrics']).toMatchObject({ read: 0, sent: 0 });
    expect(second.streams['users']).toMatchObject({ read: 250, unchanged: 250, sent: 0 });
  });

  it('a new destination stream or mapping is a new target: the stream is sent to it in full', async () => {
    const insert = (stream: object) => ({
      ...connection(),
      destination: { command: fixtureCommand('destination-recorder'), config: { path: ws.path('committed.jsonl') } },
      streams: [{ name: 'users', behaviour: 'insert', mapping: { id: 'id', name: 'name' }, ...stream }],
    });
    const run = async (stream: object = {}) => sync(await ws.connection('insert', insert(stream)));
    expect((await run()).streams['users']).toMatchObject({ read: 250, sent: 250 });
    // `insert` sends added rows only: without the target, a changed mapping would send nothing.
    const remapped = { mapping: { id: 'id', name: 'name', amount: 'amount' } };
    expect((await run(remapped)).streams['users']).toMatchObject({ added: 250, sent: 250, committed: 250 });
    expect((await run(remapped)).streams['users']).toMatchObject({ unchanged: 250, sent: 0 });
    const renamed = { ...remapped, destination_stream: { name: 'crm_users' } };
    expect((await run(renamed)).streams['users']).toMatchObject({ added: 250, sent: 250, committed: 250 });
    const committed = await jsonLines<{ stream: string; data: object }>(ws.path('committed.jsonl'));
    expect(committed.filter((r) => r.stream === 'crm_users')).toHaveLength(250);
    expect(Object.keys(committed.at(-1)!.data)).toEqual(['id', 'name', 'amount']);
  });
});
