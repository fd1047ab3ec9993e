import type { AirbyteMessage, AirbyteStateMessage, RejectedRecord, StreamDescriptor } from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';

/** A stream's name as one side of the sync knows it. */
export type StreamName = { readonly name: string; readonly namespace?: string };

/**
 * The two names of each stream: the source's, which keys fingerprints and state, and the one
 * the destination receives (`destination_stream` in the connection file, else the same).
 * Everything going to the destination is renamed on the way out; what it echoes back is
 * renamed on the way in, so the rest of the runner only ever sees source names.
 */
export class StreamNames {
  private readonly toDestination = new Map<string, StreamName>();
  private readonly toSource = new Map<string, StreamName>();

  constructor(streams: readonly { readonly source: StreamName; readonly destination: StreamName }[]) {
    for (const { source, destination } of streams) {
      this.toDestination.set(streamKey(source), destination);
      this.toSource.set(streamKey(destination), source);
    }
  }

  /** The destination's name of a stream, by its source key. */
  destinationOf(sourceKey: string): StreamName {
    const name = this.toDestination.get(sourceKey);
    if (!name) throw new Error(`no stream ${sourceKey} in this sync`);
    return name;
  }

  /** A source STATE as the destination must see it: its stream descriptors renamed. */
  stateForDestination(state: AirbyteStateMessage): AirbyteStateMessage {
    return renameState(state, (d) => this.toDestination.get(streamKey(d)));
  }

  /** A STATE the destination echoed, its stream descriptors back in source names. */
  stateFromDestination(state: AirbyteStateMessage): AirbyteStateMessage {
    return renameState(state, (d) => this.toSource.get(streamKey(d)));
  }

  /**
   * The destination's messages with the rejections its STATE echoes report in source names,
   * so they match the records sent; the echoed state itself is left as sent, which is how the
   * runner recognises it.
   */
  async *withSourceRejections<T extends { message: AirbyteMessage }>(messages: AsyncIterable<T>): AsyncIterable<T> {
    for await (const item of messages) {
      const rejected = item.message.state?.destinationStats?.rejected_records;
      if (item.message.type !== 'STATE' || !rejected?.length) {
        yield item;
        continue;
      }
      const state = item.message.state!;
      const destinationStats = {
        ...state.destinationStats,
        rejected_records: rejected.map((r) => this.rejectionFrom(r)),
      };
      yield { ...item, message: { ...item.message, state: { ...state, destinationStats } } };
    }
  }

  /** A rejection the destination reported, with the source's stream name. */
  rejectionFrom(rejection: RejectedRecord): RejectedRecord {
    const source = this.toSource.get(
      streamKey({ name: rejection.stream, ...(rejection.namespace ? { namespace: rejection.namespace } : {}) }),
    );
    if (!source) return rejection;
    const { namespace: _namespace, ...rest } = rejection;
    return { ...rest, stream: source.name, ...(source.namespace ? { namespace: source.namespace } : {}) };
  }
}

/** Renames the descriptors of a STREAM or GLOBAL state; a descriptor `rename` does not know stays. */
function renameState(
  state: AirbyteStateMessage,
  rename: (descriptor: StreamDescriptor) => StreamName | undefined,
): AirbyteStateMessage {
  const descriptor = (d: StreamDescriptor): StreamDescriptor => {
    const to = rename(d);
    return to ? { name: to.name, ...(to.namespace ? { namespace: to.namespace } : {}) } : d;
  };
  if (state.stream) {
    return { ...state, stream: { ...state.stream, stream_descriptor: descriptor(state.stream.stream_descriptor) } };
  }
  if (state.global) {
    const streamStates = state.global.stream_states.map((s) => ({
      ...s,
      stream_descriptor: descriptor(s.stream_descriptor),
    }));
    return { ...state, global: { ...state.global, stream_states: streamStates } };
  }
  return state;
}
