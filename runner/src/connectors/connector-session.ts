import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import {
  decodeLine,
  ProtocolError,
  readMessageBatches,
  validateMessage,
  type AirbyteErrorTraceMessage,
  type AirbyteMessage,
  type DecodedMessage,
  type LineTaker,
} from '@backflow/protocol';
import { ConnectorFailure } from '../errors.js';
import type { ConnectorInvocation, ConnectorProcess, Launcher } from '../launchers/index.js';
import type { Reporter } from '../report/reporter.js';

/** Longest accepted stdout line from a connector; a longer one fails the connector, named. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const STDERR_TAIL = 10;

export interface LineMessage {
  readonly line: number;
  readonly message: AirbyteMessage;
  /** The line as the connector printed it, for forwarding without re-encoding. */
  readonly text: string;
}

/** What a `LineTaker` of `batches` returns for a line it takes: anything without a parsed `value`. */
export interface Taken {
  readonly line: number;
  readonly value?: never;
}

function isTaken<T extends Taken>(item: DecodedMessage | T): item is T {
  return item.value === undefined;
}

/**
 * A running connector seen through the protocol: its stdout as validated messages (a
 * broken line fails with the connector's name, the line number and the rule), stderr as
 * log lines, and its exit checked. The first TRACE ERROR it prints is kept as the reason it
 * failed, which is what an operator needs to read, not "exit code 1".
 */
export class ConnectorSession implements AsyncDisposable {
  private traceError: AirbyteErrorTraceMessage | undefined;
  private readonly stderrTail: string[] = [];
  private readonly stderrDone: Promise<void>;
  lastActivity = Date.now();

  private constructor(
    readonly name: string,
    private readonly process: ConnectorProcess,
    private readonly reporter: Reporter,
  ) {
    this.stderrDone = this.pumpStderr();
  }

  static async start(
    launcher: Launcher,
    invocation: ConnectorInvocation,
    reporter: Reporter,
  ): Promise<ConnectorSession> {
    return new ConnectorSession(invocation.name, await launcher.start(invocation), reporter);
  }

  get stdin(): Writable {
    return this.process.stdin;
  }

  /** The connector's messages in order. LOG and TRACE messages are also reported as they pass. */
  async *messages(): AsyncGenerator<LineMessage> {
    for await (const batch of this.batches()) yield* batch;
  }

  /**
   * The connector's messages in order, as they arrive: one array per chunk read (never
   * empty), for readers of many records. A broken line fails after the messages before it.
   * Lines that `take` accepts come unparsed, as what it returned (see `LineTaker`); `decode`
   * turns one into a message if the reader needs it after all.
   */
  async *batches<T extends Taken = never>(take?: LineTaker<T>): AsyncGenerator<(LineMessage | T)[]> {
    const source = `${this.name} stdout`;
    try {
      for await (const decoded of readMessageBatches(
        this.process.stdout,
        { source, maxLineBytes: MAX_MESSAGE_BYTES },
        take,
      )) {
        this.lastActivity = Date.now();
        // Each message validated in its place (taken lines stay as they are): one array a
        // chunk, not two, and an indexed loop, which allocates nothing per line.
        const batch = decoded as unknown as (LineMessage | T)[];
        for (let i = 0; i < decoded.length; i++) {
          const item = decoded[i]!;
          if (isTaken(item)) continue;
          try {
            batch[i] = this.validated(item);
          } catch (error) {
            if (i > 0) yield batch.slice(0, i);
            throw error;
          }
        }
        yield batch;
      }
    } catch (error) {
      throw this.failure(error);
    }
  }

  /** A line that `batches` handed over unparsed, parsed and validated as any other (and failing the same way). */
  decode(text: string, line: number): LineMessage {
    try {
      const decoded = decodeLine(text, line, `${this.name} stdout`);
      if (!decoded) throw new ConnectorFailure(this.name, 'invalid message: a blank line was taken for one', { line });
      return this.validated(decoded);
    } catch (error) {
      throw this.failure(error);
    }
  }

  private validated({ line, value, text }: DecodedMessage): LineMessage {
    const message = validateMessage(value, { line });
    this.observe(message);
    return { line, message, text };
  }

  private failure(error: unknown): unknown {
    if (!(error instanceof ProtocolError)) return error;
    // The failure names the connector and the line; the rule is said once, after them.
    const what = `${error.path || 'the line'} must be ${error.expected} (got ${error.actual})`;
    return new ConnectorFailure(this.name, `invalid message: ${what}`, { line: error.line, cause: error });
  }

  /** Drains what is left, waits for the exit and fails if the connector failed. */
  async finish(): Promise<void> {
    const exit = await this.process.exit;
    await this.stderrDone;
    if (this.traceError) {
      throw new ConnectorFailure(this.name, this.traceError.message, {
        failureType: this.traceError.failure_type,
      });
    }
    if (exit.stopReason) throw new ConnectorFailure(this.name, `stopped: ${exit.stopReason}`);
    if (exit.code !== 0) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      const tail = this.stderrTail.length ? `; last stderr lines:\n  ${this.stderrTail.join('\n  ')}` : '';
      throw new ConnectorFailure(this.name, `${how}${tail}`);
    }
  }

  /** The error the connector itself reported, if any. */
  get reportedError(): AirbyteErrorTraceMessage | undefined {
    return this.traceError;
  }

  stop(reason: string): Promise<void> {
    return this.process.stop(reason);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.process[Symbol.asyncDispose]();
  }

  private observe(message: AirbyteMessage): void {
    if (message.type === 'LOG' && message.log) {
      this.reporter.log(this.name, message.log.level, message.log.message);
    } else if (message.type === 'TRACE' && message.trace?.error) {
      this.traceError ??= message.trace.error;
      this.reporter.log(this.name, 'ERROR', message.trace.error.message);
    }
  }

  private async pumpStderr(): Promise<void> {
    const lines = createInterface({ input: this.process.stderr, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      this.lastActivity = Date.now();
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
      this.reporter.log(this.name, 'INFO', line);
    }
  }
}
