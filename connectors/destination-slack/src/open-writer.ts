import {
  behaviourOf,
  matchingKeyPaths,
  type ConfiguredAirbyteCatalog,
  type ConfiguredAirbyteStream,
  type SyncBehaviour,
} from '@backflow/protocol';
import {
  ConfigError,
  streamKey,
  type Batch,
  type BatchResult,
  type DestinationWriter,
  type Logger,
  type Rejection,
  type Timing,
} from '@backflow/protocol/connector';
import { ChannelHistory } from './channel-history.js';
import { whoAmI, type Connection } from './connect.js';
import { DigestWriter, type DigestLine } from './digest-writer.js';
import { MessageWriter, type MessageAction } from './message-writer.js';
import { RecordRefused } from './slack-errors.js';

/**
 * Behaviours per mode. A message is kept per record key, so `append` (no key) is refused
 * in message mode; a digest lists records and cannot take one back or edit it, so `mirror`
 * and `update` are refused in digest mode.
 */
const SUPPORTED: Readonly<Record<'message' | 'digest', readonly SyncBehaviour[]>> = {
  message: ['insert', 'upsert', 'update', 'mirror'],
  digest: ['insert', 'upsert', 'append'],
};

export async function openSlackWriter(
  connection: Connection,
  catalog: ConfiguredAirbyteCatalog,
  timing: Timing,
  logger: Logger,
  signal: AbortSignal,
): Promise<DestinationWriter> {
  const { settings, api, channels, renderer } = connection;
  for (const configured of catalog.streams) checkStream(configured, connection);
  const { botId } = await whoAmI(api);
  const history = new ChannelHistory(api, botId, settings.historyMs, timing);
  const counts = new Map<MessageAction | 'digest line' | 'rejected', number>();
  const count = (what: MessageAction | 'digest line' | 'rejected', n = 1) =>
    counts.set(what, (counts.get(what) ?? 0) + n);

  if (settings.mode === 'digest') {
    const digests = new DigestWriter(api, channels, history, renderer, settings, timing, signal);
    return {
      write: async (batch) => {
        const stream = streamKey(batch.stream.stream);
        const rejected: Rejection[] = [];
        const byChannel = new Map<string, DigestLine[]>();
        for (const [index, record] of batch.records.entries()) {
          try {
            const line = await digests.lineOf(stream, index, record);
            if (line) byChannel.set(line.channel, [...(byChannel.get(line.channel) ?? []), line]);
          } catch (error) {
            rejected.push(rejection(index, error));
          }
        }
        for (const [channel, lines] of byChannel) {
          try {
            await digests.add(stream, channel, lines);
            count('digest line', lines.length);
          } catch (error) {
            for (const line of lines) rejected.push(rejection(line.index, error));
          }
        }
        count('rejected', rejected.length);
        return { rejected };
      },
      close: async () => logCounts(logger, counts),
    };
  }

  const writers = new Map<string, MessageWriter>();
  const writerFor = (configured: ConfiguredAirbyteStream) => {
    const name = streamKey(configured.stream);
    let writer = writers.get(name);
    if (!writer) {
      writer = new MessageWriter({
        api,
        channels,
        history,
        renderer,
        timing,
        signal,
        logger,
        onDelete: settings.onDelete,
        maxRetries: settings.maxRetries,
        deleteChannel: (key) => settings.channel.render(key).trim(),
      });
      writers.set(name, writer);
    }
    return writer;
  };
  return {
    write: async (batch: Batch): Promise<BatchResult> => {
      const writer = writerFor(batch.stream);
      const stream = streamKey(batch.stream.stream);
      const behaviour = behaviourOf(batch.stream) ?? 'upsert';
      const rejected: Rejection[] = [];
      for (const [index, record] of batch.records.entries()) {
        try {
          count(await writer.write(stream, behaviour, record));
        } catch (error) {
          rejected.push(rejection(index, error));
        }
      }
      count('rejected', rejected.length);
      return { rejected };
    },
    close: async () => logCounts(logger, counts),
  };
}

/** Refuses at open what the mode cannot do, naming the stream and the way out. */
function checkStream(configured: ConfiguredAirbyteStream, { settings }: Connection): void {
  const name = streamKey(configured.stream);
  const behaviour = behaviourOf(configured);
  if (behaviour === undefined || !SUPPORTED[settings.mode].includes(behaviour)) {
    throw new ConfigError(
      `stream "${name}": behaviour ${behaviour ?? configured.destination_sync_mode} is not supported in ${settings.mode} mode ` +
        `(supported: ${SUPPORTED[settings.mode].join(', ')})` +
        (settings.mode === 'message' ? '; a message is kept per record key: use insert with a key' : ''),
    );
  }
  const keys = matchingKeyPaths(configured).map((path) => path[0]!);
  if (settings.mode === 'message' && keys.length === 0)
    throw new ConfigError(`stream "${name}": a message is kept per record key; set matching_keys (or a primary key)`);
  // A removed record arrives with its key fields only: they must be enough to find its channel.
  const missing = settings.channel.columns.map((column) => column.split('.')[0]!).filter((c) => !keys.includes(c));
  if (behaviour === 'mirror' && missing.length > 0) {
    throw new ConfigError(
      `stream "${name}": under mirror, config.channel may use only matching-key fields (a removed record carries nothing else); ${missing.join(', ')} is not one`,
    );
  }
}

function rejection(index: number, error: unknown): Rejection {
  if (error instanceof RecordRefused) return { index, reason: error.message, retryable: false };
  throw error;
}

function logCounts(logger: Logger, counts: ReadonlyMap<string, number>): void {
  if (counts.size === 0) return;
  logger.info('slack: %s', [...counts].map(([what, n]) => `${n} ${what}`).join(', '));
}
