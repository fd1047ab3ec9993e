import type {
  AirbyteMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  SyncBehaviour,
} from '@backflow/protocol';
import { destinationSyncModeFor } from '@backflow/protocol';
import { runInProcess, virtualTime, type ConnectorRun, type VirtualTime } from '@backflow/protocol/testing';
import { startSheetsFake, type SheetsFake, type SheetsFakeOptions } from '../../../test/fakes/google-sheets/index.js';
import { createGoogleSheetsDestination } from '../src/index.js';

/** A Sheets fake and a spreadsheet on the virtual clock, and the destination on the same clock. */
export interface Setup {
  readonly fake: SheetsFake;
  readonly time: VirtualTime;
  readonly spreadsheetId: string;
  readonly config: Record<string, unknown>;
  run(
    command: 'check' | 'write',
    input?: { catalog?: ConfiguredAirbyteCatalog; input?: AirbyteMessage[]; config?: Record<string, unknown> },
  ): Promise<ConnectorRun>;
  /** The sheet as values.get renders it (unformatted, dates as shown). */
  sheet(title: string): unknown[][];
}

const fakes: SheetsFake[] = [];

export async function setUp(options: SheetsFakeOptions = {}, config: Record<string, unknown> = {}): Promise<Setup> {
  const time = virtualTime();
  const fake = await startSheetsFake({ now: time.now, ...options });
  fakes.push(fake);
  const spreadsheet = fake.createSpreadsheet({ title: 'Segments' });
  const key = fake.serviceAccount();
  const fullConfig = {
    spreadsheet_id: spreadsheet.spreadsheetId,
    credentials: { auth_type: 'service_account', service_account_info: JSON.stringify(key) },
    api_root: `${fake.url}/`,
    token_uri: fake.tokenUri,
    ...config,
  };
  const destination = createGoogleSheetsDestination({ timing: time.timing });
  return {
    fake,
    time,
    spreadsheetId: spreadsheet.spreadsheetId,
    config: fullConfig,
    run: (command, input = {}) =>
      runInProcess(destination, command, {
        config: input.config ?? fullConfig,
        ...(input.catalog ? { catalog: input.catalog } : {}),
        ...(input.input ? { input: input.input } : {}),
      }),
    sheet: (title) => fake.values(spreadsheet.spreadsheetId, title),
  };
}

/** Closes the fakes, after checking every request and answer of the test against the discovery document. */
export async function closeFakes(): Promise<void> {
  const closing = fakes.splice(0);
  const problems = closing.flatMap((fake) => fake.specViolations());
  await Promise.all(closing.map((fake) => fake.close()));
  if (problems.length > 0)
    throw new Error(`requests or answers outside the Sheets v4 discovery document:\n${problems.join('\n')}`);
}

export const SEGMENT_PROPERTIES = {
  id: { type: 'integer' },
  email: { type: 'string' },
  plan: { type: ['null', 'string'] },
  ltv: { type: ['null', 'number'] },
  signed_up: { type: ['null', 'string'], format: 'date' },
};

export function stream(
  name: string,
  behaviour: SyncBehaviour,
  options: { sheet?: string; key?: string[]; properties?: Record<string, unknown> } = {},
): ConfiguredAirbyteStream {
  return {
    stream: {
      name,
      json_schema: { type: 'object', properties: options.properties ?? SEGMENT_PROPERTIES },
      supported_sync_modes: ['full_refresh'],
    },
    sync_mode: 'full_refresh',
    destination_sync_mode: destinationSyncModeFor(behaviour),
    behaviour,
    ...(behaviour === 'insert' || behaviour === 'append'
      ? {}
      : { primary_key: (options.key ?? ['id']).map((k) => [k]) }),
    ...(options.sheet ? { destination_object_name: options.sheet } : {}),
  };
}

export function catalog(...streams: ConfiguredAirbyteStream[]): ConfiguredAirbyteCatalog {
  return { streams };
}

let emittedAt = 1_700_000_000_000;

export function record(streamName: string, data: Record<string, unknown>, operation?: 'delete'): AirbyteMessage {
  return {
    type: 'RECORD',
    record: { stream: streamName, data, emitted_at: emittedAt++, ...(operation ? { operation } : {}) },
  };
}

export function state(streamName: string, n = 1): AirbyteMessage {
  return {
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: streamName }, stream_state: { n } } },
  };
}

/** Rejected records of every STATE of a run. */
export function rejectedOf(run: ConnectorRun) {
  return run.states.flatMap((s) => s.destinationStats?.rejected_records ?? []);
}

export function customer(id: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    email: `c${id}@example.com`,
    plan: id % 2 ? 'pro' : 'free',
    ltv: id * 10.5,
    signed_up: '2024-01-15',
    ...overrides,
  };
}
