import type { ConfiguredAirbyteCatalog, ConfiguredAirbyteStream } from '@backflow/protocol';
import type { ConnectorDefinition } from '@backflow/protocol/connector';
import { runInProcess, type ConnectorRun, type VirtualTime } from '@backflow/protocol/testing';

// What a source's in-process tests run and ask it for: the source beside its tool's fake on
// one virtual clock, and configured streams.

/** A fake of the tool on a virtual clock, and the source running in-process on the same clock. */
export interface SourceSetup<Fake> {
  readonly fake: Fake;
  readonly time: VirtualTime;
  readonly config: Record<string, unknown>;
  run(
    command: 'check' | 'discover' | 'read',
    input?: { catalog?: ConfiguredAirbyteCatalog; state?: unknown },
  ): Promise<ConnectorRun>;
}

export function sourceSetup<Fake, Config>(
  fake: Fake,
  time: VirtualTime,
  source: ConnectorDefinition<Config>,
  config: Record<string, unknown>,
): SourceSetup<Fake> {
  return { fake, time, config, run: (command, input = {}) => runInProcess(source, command, { config, ...input }) };
}

/** A stream read in `syncMode` whose schema lists `properties`. */
export function configured(
  name: string,
  syncMode: 'full_refresh' | 'incremental',
  properties: Record<string, unknown> = {},
): ConfiguredAirbyteStream {
  return {
    stream: {
      name,
      json_schema: { type: 'object', properties },
      supported_sync_modes: ['full_refresh', 'incremental'],
    },
    sync_mode: syncMode,
    destination_sync_mode: 'append',
  };
}

export const catalogOf = (...streams: ConfiguredAirbyteStream[]): ConfiguredAirbyteCatalog => ({ streams });
