import type {
  AirbyteMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  SyncBehaviour,
} from '@backflow/protocol';
import { destinationSyncModeFor } from '@backflow/protocol';
import { runInProcess, type ConnectorRun } from '@backflow/protocol/testing';
import { expect } from 'vitest';
import {
  startSlackFake,
  validateSlackCall,
  type SlackFake,
  type SlackFakeOptions,
} from '../../../test/fakes/slack/index.js';
import { createSlackDestination, type Timing } from '../src/index.js';

export const TOKEN = 'xoxb-1111-2222-testtokenvalue';

/** A virtual clock shared by the connector and the fake: sleeping advances it instantly. */
export function virtualTime(): { timing: Timing; sleeps: number[]; now: () => number } {
  let now = Date.UTC(2025, 0, 15, 12);
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
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
  readonly slack: SlackFake;
  readonly sleeps: number[];
  readonly config: Record<string, unknown>;
  now(): number;
  run(
    command: 'check' | 'write',
    input?: { catalog?: ConfiguredAirbyteCatalog; input?: AirbyteMessage[]; config?: Record<string, unknown> },
  ): Promise<ConnectorRun>;
}

const fakes: SlackFake[] = [];

export async function setUp(
  config: Record<string, unknown> = {},
  fake: Partial<SlackFakeOptions> = {},
): Promise<Setup> {
  const { timing, sleeps, now } = virtualTime();
  const slack = await startSlackFake({ token: TOKEN, now, ...fake });
  fakes.push(slack);
  const destination = createSlackDestination({ timing });
  const fullConfig = {
    bot_token: TOKEN,
    slack_api_url: slack.url,
    channel: '#support',
    text: 'Ticket #{{ id }}: {{ subject }}',
    ...config,
  };
  return {
    slack,
    sleeps,
    now,
    config: fullConfig,
    run: (command, input = {}) =>
      runInProcess(destination, command, {
        config: input.config ?? fullConfig,
        ...(input.catalog ? { catalog: input.catalog } : {}),
        ...(input.input ? { input: input.input } : {}),
      }),
  };
}

/** Every call of every fake validated against Slack's OpenAPI document, then the fakes closed. */
export async function closeFakes(): Promise<void> {
  const all = fakes.splice(0);
  const problems = all.flatMap((fake) => fake.calls.flatMap((call) => validateSlackCall(call)));
  await Promise.all(all.map((fake) => fake.close()));
  expect(problems).toEqual([]);
}

export function stream(name: string, behaviour: SyncBehaviour, keys: string[][] = [['id']]): ConfiguredAirbyteStream {
  return {
    stream: { name, json_schema: { type: 'object', properties: {} }, supported_sync_modes: ['full_refresh'] },
    sync_mode: 'full_refresh',
    destination_sync_mode: destinationSyncModeFor(behaviour),
    behaviour,
    ...(keys.length ? { matching_keys: keys } : {}),
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

export function state(streamName: string, n: number): AirbyteMessage {
  return {
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: streamName }, stream_state: { n } } },
  };
}

export function tickets(ids: number[], subject = (id: number) => `Subject ${id}`): AirbyteMessage[] {
  return ids.map((id) => record('tickets', { id, subject: subject(id) }));
}

export function rejectedOf(run: ConnectorRun) {
  return run.states.flatMap((s) => s.destinationStats?.rejected_records ?? []);
}
