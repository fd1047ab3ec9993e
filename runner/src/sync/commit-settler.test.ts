import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../report/events.js';
import { createReporter } from '../report/reporter.js';
import type { Checkpoint, SyncSession } from '../store/types.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { CommitSettler } from './commit-settler.js';
import type { SentRecord } from './in-flight.js';
import type { Commit } from './state-ledger.js';

/** A store session that keeps each commit it is given. */
function recordingSession(): SyncSession & { commits: Checkpoint[] } {
  const commits: Checkpoint[] = [];
  return { commits, commit: async (checkpoint: Checkpoint) => void commits.push(checkpoint) } as never;
}

const sent = (id: number): SentRecord => ({
  stream: 'items',
  streamId: 4,
  key: id,
  op: 'upsert',
  hash: Buffer.alloc(8, id).toString('hex'),
  matchKey: `[${id}]`,
  data: { id },
});
/** A record sent as the source printed it: its line carries the data. */
const sentAsLine = (id: number): SentRecord => {
  const { data, ...rest } = sent(id);
  return { ...rest, line: JSON.stringify({ type: 'RECORD', record: { stream: 'items', data, emitted_at: 0 } }) };
};
const rejection = (id: number, retryable: boolean) => ({
  stream: 'items',
  key: { id },
  reason: retryable ? 'rate limited' : 'bad row',
  retryable,
});
const state = { type: 'STREAM' as const, stream: { stream_descriptor: { name: 'items' }, stream_state: { after: 3 } } };
const commit: Commit = { sourceStates: [state], records: new Map([['items', 3]]), rejected: [], sentThrough: 3 };

function settler(rounds: number, incremental = true) {
  const session = recordingSession();
  const counts = new Map([['items', emptyCounts()]]);
  const writer = new CheckpointWriter(session, counts);
  const retries = { rounds, backoffMs: 0, maxRows: 10 };
  return {
    session,
    counts,
    settler: new CommitSettler(writer, counts, retries, () => incremental, createReporter([])),
  };
}

/** An echo that settled one record, refused for now. */
const refusedForNow = (id: number) => ({
  outcomes: [],
  accepted: new Map<string, number>(),
  refused: [],
  retryable: [{ record: sent(id), rejection: rejection(id, true) }],
  unmatched: [],
});

describe('CommitSettler', () => {
  it('writes a commit in one checkpoint: states, outcomes, kept records, undelivered rows and counts', async () => {
    const { session, counts, settler: s } = settler(0);
    s.invalidRow({ stream: 'items', kind: 'invalid', key: { id: 9 }, reason: 'duplicate key', retryable: false });
    await s.apply(commit, {
      outcomes: [
        { stream: 4, key: 1, op: 'upsert', flags: 1, hash: Buffer.alloc(8, 1).toString('hex'), matchKey: '[1]' },
      ],
      accepted: new Map([['items', 1]]),
      refused: [{ record: sent(2), rejection: rejection(2, false) }],
      retryable: [{ record: sentAsLine(3), rejection: rejection(3, true) }],
      unmatched: [],
    });
    expect(session.commits).toHaveLength(1);
    const [checkpoint] = session.commits;
    expect(checkpoint!.states).toEqual([state]);
    expect(checkpoint!.outcomes).toHaveLength(1);
    // No retry rounds: the record refused for now is kept to resend next run.
    expect(checkpoint!.kept).toEqual([{ stream: 4, records: [expect.objectContaining({ key: 3, data: '{"id":3}' })] }]);
    expect(checkpoint!.rows!.map((r) => [r.kind, r.key])).toEqual([
      ['invalid', { id: 9 }],
      ['rejected', { id: 2 }],
      ['rejected', { id: 3 }],
    ]);
    expect(checkpoint!.counts).toEqual({ items: expect.objectContaining({ committed: 1, rejected: 2 }) });
    expect(counts.get('items')).toMatchObject({ committed: 1, rejected: 2 });
    expect(s.committedStates).toBe(1);
  });

  it('queues records refused for now for the retry rounds; at the end, what is left is reported and kept', async () => {
    const { session, settler: s } = settler(2);
    await s.apply(commit, refusedForNow(3));
    expect(session.commits[0]!.kept).toEqual([]);
    const retries = s.takeRetries();
    expect(retries).toEqual([sent(3)]);
    // Not resent (the destination went away): put back as they were.
    s.putBack(retries);
    await s.finish();
    expect(s.rejections).toEqual([rejection(3, true)]);
    expect(session.commits.at(-1)!.kept).toEqual([{ stream: 4, records: [expect.objectContaining({ key: 3 })] }]);
  });

  it('keeps nothing for streams read in full: the diff sends the row again', async () => {
    const { session, settler: s } = settler(0, false);
    await s.apply(commit, refusedForNow(3));
    expect(session.commits[0]!.kept).toEqual([]);
  });
});
