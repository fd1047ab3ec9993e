import type {
  AirbyteMessage,
  AirbyteStateBlob,
  AirbyteStreamStatusTraceMessage,
  ConfiguredAirbyteCatalog,
  StreamDescriptor,
} from '../types.js';
import { Checkpoint, RecordLines, type ConnectorContext, type SourceDefinition } from './definitions.js';
import type { MessageOutput } from './output.js';
import { StoppedError } from './stopped-error.js';
import { statesByStream } from './state-input.js';
import { streamKey } from './stream-key.js';

/**
 * Runs `read`: each configured stream in catalog order, rows as RECORD messages, checkpoints
 * as STREAM states (with the record count since the previous one, as Airbyte's stats expect),
 * framed by STREAM_STATUS traces so the runner can show per-stream progress.
 */
export async function runRead<Config>(
  source: SourceDefinition<Config>,
  ctx: ConnectorContext<Config>,
  catalog: ConfiguredAirbyteCatalog,
  stateInput: unknown,
  output: MessageOutput,
): Promise<void> {
  const states = statesByStream(stateInput);
  for (const configured of catalog.streams) {
    const descriptor: StreamDescriptor = { name: configured.stream.name };
    if (configured.stream.namespace) descriptor.namespace = configured.stream.namespace;
    const recordPrefix = recordLinePrefix(descriptor);
    await output.write(streamStatus(descriptor, 'STARTED'));
    let sinceCheckpoint = 0;
    let running = false;
    try {
      const rows = source.read(ctx, { stream: configured, state: states.get(streamKey(descriptor)) });
      for await (const item of untilStopped(rows, ctx.signal)) {
        if (item instanceof Checkpoint) {
          await output.write(stateMessage(descriptor, item.state, sinceCheckpoint));
          sinceCheckpoint = 0;
          continue;
        }
        if (item instanceof RecordLines) {
          if (item.count === 0) {
            item.written?.();
            continue;
          }
          if (!running) {
            await output.write(streamStatus(descriptor, 'RUNNING'));
            running = true;
          }
          await output.writeBytes(item.bytes, item.written);
          sinceCheckpoint += item.count;
          continue;
        }
        if (!running) {
          await output.write(streamStatus(descriptor, 'RUNNING'));
          running = true;
        }
        const full = output.writeLine(`${recordPrefix}${JSON.stringify(item)}${recordLineSuffix(Date.now())}`);
        // Most writes only queue the line: awaiting just when the pipe is full saves a turn per row.
        if (full) await full;
        sinceCheckpoint++;
      }
    } catch (error) {
      await output.write(streamStatus(descriptor, 'INCOMPLETE'));
      throw error;
    }
    await output.write(streamStatus(descriptor, 'COMPLETE'));
  }
}

/**
 * A RECORD line is written from text: `recordLinePrefix(stream) + data + recordLineSuffix(t)`
 * are the bytes `encodeMessage` would give for { type, record: { stream, namespace, data,
 * emitted_at } }, without building that object per row.
 */
export function recordLinePrefix(stream: StreamDescriptor): string {
  const base = { stream: stream.name, ...(stream.namespace ? { namespace: stream.namespace } : {}) };
  return `{"type":"RECORD","record":${JSON.stringify(base).slice(0, -1)},"data":`;
}

/** The end of a RECORD line (see `recordLinePrefix`), newline included. */
export function recordLineSuffix(emittedAt: number): string {
  return `,"emitted_at":${emittedAt}}}\n`;
}

function streamStatus(descriptor: StreamDescriptor, status: AirbyteStreamStatusTraceMessage['status']): AirbyteMessage {
  return {
    type: 'TRACE',
    trace: { type: 'STREAM_STATUS', emitted_at: Date.now(), stream_status: { stream_descriptor: descriptor, status } },
  };
}

function stateMessage(descriptor: StreamDescriptor, blob: AirbyteStateBlob, recordCount: number): AirbyteMessage {
  return {
    type: 'STATE',
    state: {
      type: 'STREAM',
      stream: { stream_descriptor: descriptor, stream_state: blob },
      sourceStats: { recordCount },
    },
  };
}

/**
 * The source's rows until the connector is asked to stop. A stop ends the read at once, even
 * while the source waits for its next row (a slow query, a lock): that wait is abandoned, and
 * what was written up to the last STATE is what the runner keeps.
 */
async function* untilStopped<T>(rows: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = rows[Symbol.asyncIterator]();
  // One abort listener rejects the wait in progress. Racing each row against one promise that
  // never settles would keep every row reachable from it (a reaction per race) until the end.
  let stop: ((error: StoppedError) => void) | undefined;
  const onAbort = () => stop?.(new StoppedError('read'));
  signal.addEventListener('abort', onAbort, { once: true });
  let done = false;
  try {
    while (true) {
      if (signal.aborted) throw new StoppedError('read');
      const next = await new Promise<IteratorResult<T>>((resolve, reject) => {
        stop = reject;
        iterator.next().then(resolve, reject);
      });
      stop = undefined;
      if (next.done) return void (done = true);
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Stopped or left early: let the source close what it holds, without waiting for it.
    if (!done) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
