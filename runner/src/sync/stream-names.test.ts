import { describe, expect, it } from 'vitest';
import type { AirbyteMessage, AirbyteStateMessage } from '@backflow/protocol';
import { StreamNames } from './stream-names.js';

const names = new StreamNames([
  { source: { name: 'account_metrics', namespace: 'analytics' }, destination: { name: 'wh__account_metrics' } },
  { source: { name: 'users' }, destination: { name: 'users' } },
]);

const streamState = (name: string, namespace?: string): AirbyteStateMessage => ({
  type: 'STREAM',
  stream: { stream_descriptor: { name, ...(namespace ? { namespace } : {}) }, stream_state: { after: 3 } },
});

describe('StreamNames', () => {
  it('renames STREAM and GLOBAL states on the way out and back', () => {
    const out = names.stateForDestination(streamState('account_metrics', 'analytics'));
    expect(out).toEqual(streamState('wh__account_metrics'));
    expect(names.stateFromDestination(out)).toEqual(streamState('account_metrics', 'analytics'));
    const global: AirbyteStateMessage = {
      type: 'GLOBAL',
      global: {
        shared_state: { lsn: 9 },
        stream_states: [{ stream_descriptor: { name: 'account_metrics', namespace: 'analytics' } }],
      },
    };
    expect(names.stateForDestination(global).global!.stream_states[0]!.stream_descriptor).toEqual({
      name: 'wh__account_metrics',
    });
    expect(names.stateForDestination(streamState('users'))).toEqual(streamState('users'));
  });

  it('reports rejections in source names and leaves the echoed state as sent', async () => {
    const echo: AirbyteMessage = {
      type: 'STATE',
      state: {
        ...streamState('wh__account_metrics'),
        destinationStats: {
          recordCount: 2,
          rejected_records: [{ stream: 'wh__account_metrics', key: { id: 1 }, reason: 'no', retryable: false }],
        },
      },
    };
    async function* messages() {
      yield { line: 1, message: echo };
    }
    const seen = [];
    for await (const item of names.withSourceRejections(messages())) seen.push(item);
    expect(seen[0]!.message.state!.stream).toEqual(echo.state!.stream);
    expect(seen[0]!.message.state!.destinationStats!.rejected_records).toEqual([
      { stream: 'account_metrics', namespace: 'analytics', key: { id: 1 }, reason: 'no', retryable: false },
    ]);
  });
});
