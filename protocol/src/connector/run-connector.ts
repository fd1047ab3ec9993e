import type { Readable, Writable } from 'node:stream';
import { NdjsonParser, type DecodedMessage } from '../ndjson/ndjson-parser.js';
import type { AirbyteMessage, ConfiguredAirbyteCatalog } from '../types.js';
import { ProtocolError, compileConfigSchema, validateMessage, validateWith } from '../validation/index.js';
import { ARGS_ENV, ARGS_WAIT_ENV, argsFromPipe, argsWaitMs } from './args-pipe.js';
import { parseConnectorArgs, type Command, type ParsedArgs } from './argv.js';
import type { CheckResult, ConnectorContext, ConnectorDefinition } from './definitions.js';
import { ConfigError, InternalError, asConnectorError, type ConnectorError } from './errors.js';
import { writeExitLine } from './exit-line.js';
import { readJsonFile } from './input-files.js';
import { RecordLine, StreamNames, takeRecordLine } from './record-line.js';
import { captureConsole, createLogger } from './logger.js';
import { MessageOutput } from './output.js';
import { processStdio } from './process-stdio.js';
import { runRead } from './read-command.js';
import { checkSpec } from './spec-file.js';
import { collectSecrets } from './secrets.js';
import { StoppedError } from './stopped-error.js';
import { runWrite } from './write-command.js';

/** Exit codes of a connector process. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface ConnectorIO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  /** Stands for SIGTERM/SIGINT when the connector runs in-process (tests, embedding). */
  readonly signal?: AbortSignal;
}

const SOURCE_COMMANDS: readonly Command[] = ['spec', 'check', 'discover', 'read'];
const DESTINATION_COMMANDS: readonly Command[] = ['spec', 'check', 'discover', 'write'];

/**
 * Runs a connector with the Airbyte command line (`spec`, `check --config F`, `discover
 * --config F`, `read --config F --catalog F [--state F]`, `write --config F --catalog F`),
 * writing only protocol messages to stdout. Failures become a TRACE ERROR message and a
 * non-zero exit code. Returns the exit code; when `io` is not given (a real process) it also
 * exits the process once stdout is flushed, so a leaked handle cannot hang the runner.
 */
export async function runConnector<Config>(
  definition: ConnectorDefinition<Config>,
  argv: readonly string[],
  io?: ConnectorIO,
): Promise<number> {
  // Started ahead of its run, the connector is given its command line once the runner is
  // ready, before it opens its input and output.
  const argsPipe = io ? undefined : process.env[ARGS_ENV];
  let commandLine: readonly string[] | undefined = argv;
  let waitMs: number | undefined;
  if (argsPipe !== undefined) {
    try {
      waitMs = argsWaitMs(process.env[ARGS_WAIT_ENV]);
      commandLine = await argsFromPipe(argsPipe, waitMs);
    } catch (error) {
      usageExit(error);
    }
  }
  if (!commandLine) {
    // Kept warm for a run that did not come: not a failure.
    if (waitMs !== undefined) {
      process.stderr.write(`${ARGS_WAIT_ENV}: no run took this connector within ${waitMs} ms\n`);
      process.exit(EXIT.ok);
    }
    process.stderr.write(`${ARGS_ENV}: the runner went away before giving a command\n`);
    process.exit(EXIT.failed);
  }
  const streams = io ?? processStdio();
  const output = new MessageOutput(streams.stdout);
  const abort = new AbortController();
  let outputError: unknown;
  const logger = createLogger(output, (error) => (outputError ??= error));
  const restoreConsole = captureConsole(logger);
  let received: NodeJS.Signals | undefined;
  const stop = (signal?: NodeJS.Signals) => {
    received ??= signal;
    abort.abort(new Error('stopped by signal'));
  };
  if (!io) {
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }
  // A reader that goes away (the runner stopping, or killed) breaks the pipe: the connector
  // stops as if signalled, without a stack trace, since nobody is left to read one.
  const onOutputError = (error: NodeJS.ErrnoException) => {
    outputError ??= error;
    if (isClosedPipe(error)) stop();
  };
  streams.stdout.on('error', onOutputError);
  const stopIo = () => stop();
  io?.signal?.addEventListener('abort', stopIo, { once: true });
  if (io?.signal?.aborted) stop();
  let code: number;
  let abandoned = false;
  try {
    code = await execute(definition, commandLine, streams, output, { logger, signal: abort.signal });
  } catch (error) {
    abandoned = error instanceof StoppedError;
    // With the pipe closed nobody is left to tell; otherwise the failure goes out as a TRACE.
    code = isClosedPipe(outputError)
      ? EXIT.failed
      : await reportFailure(output, asConnectorError(error), error).catch((failure: unknown) => {
          outputError ??= failure;
          return EXIT.failed;
        });
  } finally {
    restoreConsole();
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    io?.signal?.removeEventListener('abort', stopIo);
  }
  await output.flush().catch((error: unknown) => (outputError ??= error));
  if (outputError !== undefined && code === EXIT.ok) code = EXIT.failed;
  // A real process keeps the listener: its last flush below may still meet a closed pipe.
  if (io) streams.stdout.off('error', onOutputError);
  if (!io) {
    await new Promise<void>((resolve) => streams.stdout.write('', () => resolve()));
    // Node's exit waits for its worker threads, and one may be stuck in the call we gave up
    // on: die of the signal instead (its listeners are gone, so its default action applies),
    // as Unix programs do after cleaning up.
    if (abandoned && received) process.kill(process.pid, received);
    await writeExitLine(code);
    process.exit(code);
  }
  return code;
}

class UsageError extends ConfigError {}

/** A command line the pipe gave that is not one: said on stderr (stdout is not open yet), exit 2. */
function usageExit(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT.usage);
}

/** The reader of stdout has gone: EPIPE on a pipe, or a stream already destroyed. */
function isClosedPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

async function execute<Config>(
  definition: ConnectorDefinition<Config>,
  argv: readonly string[],
  io: ConnectorIO,
  output: MessageOutput,
  base: Omit<ConnectorContext<Config>, 'config'>,
): Promise<number> {
  let args;
  try {
    args = parseConnectorArgs(argv, definition.kind === 'source' ? SOURCE_COMMANDS : DESTINATION_COMMANDS);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // `read` and `write` stop between records, leaving their work committed up to the last
  // STATE; the other commands have nothing to keep, so a stop ends them at once, even when
  // they are stuck in a call that ignores the signal (a hung filesystem or network call).
  if (args.command === 'read' || args.command === 'write') return runCommand(definition, args, io, output, base);
  return untilStopped(() => runCommand(definition, args, io, output, base), base.signal, args.command);
}

async function runCommand<Config>(
  definition: ConnectorDefinition<Config>,
  args: ParsedArgs,
  io: ConnectorIO,
  output: MessageOutput,
  base: Omit<ConnectorContext<Config>, 'config'>,
): Promise<number> {
  const spec = definition.spec;
  if (args.command === 'spec') {
    await output.write({ type: 'SPEC', spec });
    return EXIT.ok;
  }
  checkSpec(spec);
  const rawConfig = await readJsonFile(args.config!, 'config');
  output.setSecrets(collectSecrets(spec.connectionSpecification, rawConfig));
  const config = validateConfig<Config>(spec.connectionSpecification, rawConfig);
  const ctx: ConnectorContext<Config> = { ...base, config };

  switch (args.command) {
    case 'check':
      await output.write({ type: 'CONNECTION_STATUS', connectionStatus: await runCheck(() => definition.check(ctx)) });
      return EXIT.ok;
    case 'discover':
      if (definition.kind === 'source') {
        const catalog = validateWith<AirbyteMessage['catalog']>(
          'AirbyteCatalog',
          await definition.discover(ctx),
          'discovered catalog',
        );
        await output.write({ type: 'CATALOG', catalog });
      } else {
        if (!definition.discover) throw new ConfigError('this destination does not list its objects (no discover)');
        const destination_catalog = await definition.discover(ctx);
        await output.write({ type: 'DESTINATION_CATALOG', destination_catalog });
      }
      return EXIT.ok;
    case 'read': {
      if (definition.kind !== 'source') throw new InternalError('read is a source command');
      const catalog = await readCatalog(args.catalog!);
      const state = args.state === undefined ? undefined : await readJsonFile(args.state, 'state');
      await runRead(definition, ctx, catalog, state, output);
      return EXIT.ok;
    }
    case 'write': {
      if (definition.kind !== 'destination') throw new InternalError('write is a destination command');
      const catalog = await readCatalog(args.catalog!);
      await runWrite(definition, ctx, catalog, validatedInput(io.stdin, definition.takesRecordBytes ?? false), output);
      return EXIT.ok;
    }
  }
}

/** A command given up on when the connector was asked to stop. */
/** `work()`'s outcome, or a StoppedError as soon as `signal` aborts; `work` is then abandoned. */
function untilStopped<T>(work: () => Promise<T>, signal: AbortSignal, command: Command): Promise<T> {
  if (signal.aborted) return Promise.reject(new StoppedError(command));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StoppedError(command));
    signal.addEventListener('abort', onAbort, { once: true });
    work()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** `check` answers with a status either way; only the connector's own crash is an error. */
async function runCheck(check: () => Promise<CheckResult>) {
  try {
    const result = await check();
    if (result && !result.ok) return { status: 'FAILED' as const, message: result.message };
    return { status: 'SUCCEEDED' as const, ...(result?.message ? { message: result.message } : {}) };
  } catch (error) {
    return { status: 'FAILED' as const, message: asConnectorError(error).message };
  }
}

function validateConfig<Config>(schema: unknown, raw: unknown): Config {
  try {
    return compileConfigSchema<Config>(schema as object)(raw, 'config');
  } catch (error) {
    if (error instanceof ProtocolError) throw new ConfigError(`invalid config: ${error.message}`);
    throw error;
  }
}

async function readCatalog(path: string): Promise<ConfiguredAirbyteCatalog> {
  const raw = await readJsonFile(path, 'catalog');
  try {
    return validateWith<ConfiguredAirbyteCatalog>('ConfiguredAirbyteCatalog', raw, `catalog ${path}`);
  } catch (error) {
    if (error instanceof ProtocolError) throw new ConfigError(`invalid catalog: ${error.message}`);
    throw error;
  }
}

/**
 * Messages from stdin, each checked against the protocol; a bad one names its line. They come
 * a chunk of stdin at a time (one await per chunk rather than per message); those before a
 * bad line are still handed on, as they would have been one by one. With `recordBytes`, plain
 * RECORD lines come unparsed, as RecordLines (see record-line.ts).
 */
async function* validatedInput(stdin: Readable, recordBytes: boolean): AsyncGenerator<AirbyteMessage[]> {
  const parser = new NdjsonParser({ source: 'stdin' });
  let messages: AirbyteMessage[] = [];
  let failure: { error: unknown } | undefined;
  const collect = (message: DecodedMessage | RecordLine) => {
    if (message instanceof RecordLine) messages.push({ type: 'RECORD', record: message });
    else messages.push(validateMessage(message.value, { line: message.line, source: 'stdin' }));
  };
  const names = new StreamNames();
  const takeLine = recordBytes
    ? (buffer: Buffer, start: number, end: number, line: number) => takeRecordLine(buffer, start, end, line, names)
    : undefined;
  const take = (feed: () => void): AirbyteMessage[] => {
    try {
      feed();
    } catch (error) {
      failure = { error };
    }
    const taken = messages;
    messages = [];
    return taken;
  };
  try {
    for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
      const taken = take(() => parser.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, collect, takeLine));
      if (taken.length > 0) yield taken;
      if (failure) throw failure.error;
    }
    const rest = take(() => parser.end(collect, takeLine));
    if (rest.length > 0) yield rest;
    if (failure) throw failure.error;
  } catch (error) {
    if (error instanceof ProtocolError) throw new InternalError(error.message);
    throw error;
  }
}

async function reportFailure(output: MessageOutput, error: ConnectorError, original: unknown): Promise<number> {
  const stack = original instanceof Error && !(original instanceof ConfigError) ? original.stack : undefined;
  await output.write({
    type: 'TRACE',
    trace: {
      type: 'ERROR',
      emitted_at: Date.now(),
      error: {
        message: error.message,
        failure_type: error.failureType,
        ...(error.internalMessage ? { internal_message: error.internalMessage } : {}),
        ...(stack ? { stack_trace: stack } : {}),
      },
    },
  });
  return error instanceof UsageError ? EXIT.usage : EXIT.failed;
}
