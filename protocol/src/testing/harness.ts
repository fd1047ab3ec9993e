import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { ConnectorDefinition } from '../connector/definitions.js';
import { runConnector } from '../connector/run-connector.js';
import { readMessages } from '../ndjson/index.js';
import type {
  AirbyteCatalog,
  AirbyteConnectionStatus,
  AirbyteErrorTraceMessage,
  AirbyteLogMessage,
  AirbyteMessage,
  AirbyteRecordMessage,
  AirbyteStateMessage,
  AirbyteTraceMessage,
  ConfiguredAirbyteCatalog,
  ConnectorSpecification,
  DestinationCatalog,
} from '../types.js';
import { validateMessage } from '../validation/index.js';

export interface HarnessInput {
  /** Written to a temporary file and passed as `--config`. */
  config?: unknown;
  /** Written to a temporary file and passed as `--catalog`. */
  catalog?: ConfiguredAirbyteCatalog;
  /** Written to a temporary file and passed as `--state`. */
  state?: unknown;
  /** For `write`: messages, or the path of an NDJSON fixture file, fed to stdin. */
  input?: readonly AirbyteMessage[] | string;
}

/** Everything a connector printed, sorted by kind; every line was checked against the protocol. */
export interface ConnectorRun {
  exitCode: number;
  messages: AirbyteMessage[];
  records: AirbyteRecordMessage[];
  states: AirbyteStateMessage[];
  logs: AirbyteLogMessage[];
  traces: AirbyteTraceMessage[];
  errors: AirbyteErrorTraceMessage[];
  spec?: ConnectorSpecification;
  catalog?: AirbyteCatalog;
  destinationCatalog?: DestinationCatalog;
  connectionStatus?: AirbyteConnectionStatus;
}

/**
 * Runs a connector definition in-process, exactly as its command line would (`spec`,
 * `check`, `discover`, `read`, `write`), and returns what it printed. For connector authors'
 * tests: no process, no Docker, the same code path as production.
 */
export async function runInProcess<Config>(
  definition: ConnectorDefinition<Config>,
  command: 'spec' | 'check' | 'discover' | 'read' | 'write',
  input: HarnessInput = {},
): Promise<ConnectorRun> {
  const dir = await mkdtemp(join(tmpdir(), 'backflow-harness-'));
  try {
    const argv: string[] = [command];
    for (const flag of ['config', 'catalog', 'state'] as const) {
      if (input[flag] === undefined) continue;
      const path = join(dir, `${flag}.json`);
      await writeFile(path, JSON.stringify(input[flag]));
      argv.push(`--${flag}`, path);
    }
    const stdin = await stdinFor(input.input);
    const stdout = new PassThrough();
    const collected = collect(stdout);
    const exitCode = await runConnector(definition, argv, { stdin, stdout });
    stdout.end();
    return { exitCode, ...(await collected) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads an NDJSON fixture file into validated protocol messages. */
export async function readFixture(path: string): Promise<AirbyteMessage[]> {
  const messages: AirbyteMessage[] = [];
  for await (const { value } of readMessages([await readFile(path)], { source: path })) {
    messages.push(validateMessage(value));
  }
  return messages;
}

async function stdinFor(input: HarnessInput['input']): Promise<Readable> {
  if (input === undefined) return Readable.from([]);
  const messages = typeof input === 'string' ? await readFixture(input) : input;
  return Readable.from(messages.map((message) => JSON.stringify(message) + '\n'));
}

async function collect(stdout: PassThrough): Promise<Omit<ConnectorRun, 'exitCode'>> {
  const run: Omit<ConnectorRun, 'exitCode'> = {
    messages: [],
    records: [],
    states: [],
    logs: [],
    traces: [],
    errors: [],
  };
  for await (const { line, value } of readMessages(stdout, { source: 'connector stdout' })) {
    let message: AirbyteMessage;
    try {
      message = validateMessage(value);
    } catch (error) {
      throw new Error(`connector stdout line ${line}: ${(error as Error).message}`);
    }
    run.messages.push(message);
    if (message.record) run.records.push(message.record);
    if (message.state) run.states.push(message.state);
    if (message.log) run.logs.push(message.log);
    if (message.trace) {
      run.traces.push(message.trace);
      if (message.trace.error) run.errors.push(message.trace.error);
    }
    if (message.spec) run.spec = message.spec;
    if (message.catalog) run.catalog = message.catalog;
    if (message.destination_catalog) run.destinationCatalog = message.destination_catalog;
    if (message.connectionStatus) run.connectionStatus = message.connectionStatus;
  }
  return run;
}
