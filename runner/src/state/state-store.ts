import type { AirbyteStateMessage } from '@backflow/protocol';

/**
 * Where committed source states live between runs, per connection. `commit` is atomic: after
 * a crash the store holds either the previous states or the new ones, never a mix.
 */
export interface StateStore {
  /** Human-readable location, for messages. */
  readonly location: string;
  /** The committed states of a connection (empty on its first run). */
  load(connection: string): Promise<AirbyteStateMessage[]>;
  /** Records these states as committed, replacing earlier states of the same stream. */
  commit(connection: string, states: readonly AirbyteStateMessage[]): Promise<void>;
  /** Forgets a connection's states (a full resync starts from scratch). */
  reset(connection: string): Promise<void>;
  close(): Promise<void>;
}

/** The state as kept: only what the source needs to resume, without per-run stats. */
export function storable(state: AirbyteStateMessage): AirbyteStateMessage {
  const { sourceStats: _source, destinationStats: _destination, ...rest } = state;
  return rest;
}
