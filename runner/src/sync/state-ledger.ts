import type { AirbyteStateMessage, RejectedRecord } from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';
import { persistKey } from '../store/state-keys.js';

/** Marks a STATE the runner itself injected to learn what the destination has committed. */
export const RUNNER_CHECKPOINT_FIELD = 'backflow_checkpoint';

interface Pending {
  readonly identity: string;
  readonly state: AirbyteStateMessage;
  readonly fromSource: boolean;
  /** Records per stream sent between the previous STATE and this one. */
  readonly recordsBefore: ReadonlyMap<string, number>;
  /** Records sent in the whole run before this STATE. */
  readonly sentBefore: number;
}

/** What one destination echo confirmed. */
export interface Commit {
  /** Source states now safe to persist (the latest per stream, in order). */
  readonly sourceStates: AirbyteStateMessage[];
  /** Records per stream that the commit covers (rejected ones included; see `rejected`). */
  readonly records: Map<string, number>;
  readonly rejected: RejectedRecord[];
  /** Every record sent before the confirmed STATE (the first `sentThrough` of the run) is committed. */
  readonly sentThrough: number;
}

/**
 * Tracks STATE messages between the runner and the destination. A state is committed only
 * when the destination echoes it; an echo of a later state also commits every earlier one
 * (destinations may skip echoes, as Airbyte allows). An echo that matches nothing sent is a
 * protocol error the caller reports.
 */
export class StateLedger {
  private readonly pending: Pending[] = [];
  private recordsSinceState = new Map<string, number>();
  private unconfirmedRecords = 0;
  private checkpointSeq = 0;
  private sentTotal = 0;
  private readonly lastSourceState = new Map<string, AirbyteStateMessage>();

  /** Counts a record forwarded to the destination. */
  recordSent(stream: string): void {
    this.recordsSinceState.set(stream, (this.recordsSinceState.get(stream) ?? 0) + 1);
    this.unconfirmedRecords++;
    this.sentTotal++;
  }

  /** Records sent since the last STATE (source or runner) went to the destination. */
  get recordsSinceLastState(): number {
    let total = 0;
    for (const count of this.recordsSinceState.values()) total += count;
    return total;
  }

  /** Records sent whose commit the destination has not confirmed yet. */
  get unconfirmed(): number {
    return this.unconfirmedRecords;
  }

  /** Notes a source STATE on its way to the destination. */
  sourceStateSent(state: AirbyteStateMessage): void {
    if (state.type === 'STREAM' && state.stream)
      this.lastSourceState.set(streamKey(state.stream.stream_descriptor), state);
    this.push(state, true);
  }

  /**
   * A STATE of the runner's own, asking the destination to commit what it has. It carries the
   * stream's last source state (or an empty one), so a destination that stores states sees
   * nothing new; the marker field tells the runner not to persist it.
   */
  runnerCheckpoint(stream: { name: string; namespace?: string }): AirbyteStateMessage {
    const last = this.lastSourceState.get(streamKey(stream))?.stream?.stream_state ?? {};
    const state = {
      type: 'STREAM',
      stream: { stream_descriptor: stream, stream_state: last },
      [RUNNER_CHECKPOINT_FIELD]: ++this.checkpointSeq,
    } as AirbyteStateMessage;
    this.push(state, false);
    return state;
  }

  /** Handles a destination echo; returns undefined when it matches no state that was sent. */
  echoed(echo: AirbyteStateMessage): Commit | undefined {
    const index = this.pending.findIndex((p) => p.identity === identityOf(echo));
    if (index < 0) return undefined;
    const confirmed = this.pending.splice(0, index + 1);
    const records = new Map<string, number>();
    const latest = new Map<string, AirbyteStateMessage>();
    for (const entry of confirmed) {
      for (const [stream, count] of entry.recordsBefore) records.set(stream, (records.get(stream) ?? 0) + count);
      if (entry.fromSource) latest.set(persistKey(entry.state), entry.state);
    }
    for (const count of records.values()) this.unconfirmedRecords -= count;
    return {
      sourceStates: [...latest.values()],
      records,
      rejected: echo.destinationStats?.rejected_records ?? [],
      sentThrough: confirmed.at(-1)!.sentBefore,
    };
  }

  /** States sent and not yet confirmed. */
  get pendingCount(): number {
    return this.pending.length;
  }

  private push(state: AirbyteStateMessage, fromSource: boolean): void {
    this.pending.push({
      identity: identityOf(state),
      state,
      fromSource,
      recordsBefore: this.recordsSinceState,
      sentBefore: this.sentTotal,
    });
    this.recordsSinceState = new Map();
  }
}

/** A state's identity, ignoring the stats either side adds on its way. */
function identityOf(state: AirbyteStateMessage): string {
  const { sourceStats: _source, destinationStats: _destination, ...rest } = state;
  return canonicalJson(rest);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
