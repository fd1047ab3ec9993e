import type {
  AirbyteMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  SyncBehaviour,
} from '@backflow/protocol';
import { destinationSyncModeFor } from '@backflow/protocol';
import { runInProcess, type ConnectorRun } from '@backflow/protocol/testing';
import {
  startWebhookReceiver,
  type WebhookReceiver,
  type WebhookReceiverOptions,
} from '../../../test/fakes/webhook/index.js';
import { createWebhookDestination, type Timing } from '../src/index.js';

/** A virtual clock: sleeping advances it instantly, and every sleep is recorded. */
export function virtualTime(): { timing: Timing; sleeps: number[] } {
  let now = Date.UTC(2025, 0, 15, 12);
  const sleeps: number[] = [];
  return {
    sleeps,
    timing: {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      random: () => 0.5,
    },
  };
}

export interface Setup {
  readonly receiver: WebhookReceiver;
  readonly sleeps: number[];
  readonly config: Record<string, unknown>;
  run(
    command: 'check' | 'write',
    input?: { catalog?: ConfiguredAirbyteCatalog; input?: AirbyteMessage[]; config?: Record<string, unknown> },
  ): Promise<ConnectorRun>;
}

const receivers: WebhookReceiver[] = [];

export async function setUp(
  options: WebhookReceiverOptions = {},
  config: Record<string, unknown> = {},
): Promise<Setup> {
  const receiver = await startWebhookReceiver(options);
  receivers.push(receiver);
  const { timing, sleeps } = virtualTime();
  const destination = createWebhookDestination({ timing });
  const fullConfig = { url: `${receiver.url}/hooks/backflow`, ...config };
  return {
    receiver,
    sleeps,
    config: fullConfig,
    run: (command, input = {}) =>
      runInProcess(destination, command, {
        config: input.config ?? fullConfig,
        ...(input.catalog ? { catalog: input.catalog } : {}),
        ...(input.input ? { input: input.input } : {}),
      }),
  };
}

export async function closeReceivers(): Promise<void> {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
}

export function stream(name: string, behaviour: SyncBehaviour): ConfiguredAirbyteStream {
  return {
    stream: { name, json_schema: { type: 'object', properties: {} }, supported_sync_modes: ['full_refresh'] },
    sync_mode: 'full_refresh',
    destination_sync_mode: destinationSyncModeFor(behaviour),
    behaviour,
    ...(behaviour === 'append' ? {} : { matching_keys: [['id']] }),
  };
}

export function catalog(...streams: ConfiguredAirbyteStream[]): ConfiguredAirbyteCatalog {
  return { streams };
}

export function record(
  streamName: string,
  data: Record<string, unknown>,
  operation?: 'upsert' | 'delete',
): AirbyteMessage {
  return { type: 'RECORD', record: { stream: streamName, data, emitted_at: 0, ...(operation ? { operation } : {}) } };
}

export function users(count: number, extra: (i: number) => Record<string, unknown> = () => ({})): AirbyteMessage[] {
  return Array.from({ length: count }, (_, i) => record('users', { id: i, name: `User ${i}`, ...extra(i) }));
}

export function state(streamName: string, n: number): AirbyteMessage {
  return {
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: streamName }, stream_state: { n } } },
  };
}

export function rejectedOf(run: ConnectorRun) {
  return run.states.flatMap((s) => s.destinationStats?.rejected_records ?? []);
}
