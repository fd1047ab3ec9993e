import type { Writable } from 'node:stream';
import type { SyncEvent } from './events.js';
import type { EventSink } from './reporter.js';

/**
 * Structured logs for machines (when stderr is not a terminal): one JSON object per line with
 * a timestamp, a level and the event's fields, ready for a log shipper.
 */
export function jsonLogSink(stream: Writable): EventSink {
  return (event: SyncEvent) => {
    const level =
      event.type === 'log' ? event.level : event.type === 'finished' && event.status === 'failed' ? 'error' : 'info';
    stream.write(
      JSON.stringify({ time: new Date().toISOString(), level, event: event.type, ...withoutType(event) }) + '\n',
    );
  };
}

function withoutType(event: SyncEvent): Omit<SyncEvent, 'type'> {
  const { type: _type, ...rest } = event;
  return rest;
}
