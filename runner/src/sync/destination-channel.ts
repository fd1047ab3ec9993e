import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineWriter, type AirbyteMessage, type AirbyteStateMessage } from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';
import type { LineMessage } from '../connectors/connector-session.js';
import { ConnectorFailure } from '../errors.js';
import type { Reporter } from '../report/reporter.js';
import { InFlightRecords, type SentRecord, type Settled } from './in-flight.js';
import { StateLedger, type Commit } from './state-ledger.js';

/** Longest wait for the echo that tells which records to resend, and longest silence of the destination meanwhile. */
const ECHO_WAIT_MS = 60_000;
const ECHO_SILENCE_MS = 10_000;
const ECHO_POLL_MS = 250;

/** What the channel needs of a running destination. */
export interface DestinationConnection {
  readonly name: string;
  readonly stdin: Writable;
  /** When it last wrote anything (ms since the epoch). */
  readonly lastActivity: number;
  messages(): AsyncIterable<LineMessage>;
}

export interface ChannelSettings {
  /** The runner asks for a commit at least every this many records. */
  readonly checkpointEvery: number;
  /** Matching key paths of each stream, to match rejections to the records sent. */
  readonly matchingKeys: (stream: string) => readonly string[][];
  /** Destination descriptor (name, namespace) of each stream key. */
  readonly descriptor: (stream: string) => { name: string; namespace?: string };
}

/**
 * The sending side of a sync: records and STATE messages written to the destination in
 * batches (one syscall per ~64 KiB, with backpressure), the runner's own checkpoints every
 * `checkpointEvery` records, and the destination's STATE echoes read back and matched to what
 * they confirm. Unconfirmed records are kept (to learn their fate from the echo), so their
 * number is bounded: past twice the checkpoint size the sender waits for echoes. A
 * destination that confirms nothing for a while (some commit only when their input ends)
 * lifts the bound with a warning.
 */
export class DestinationChannel {
  private readonly writer: LineWriter;
  private readonly ledger = new StateLedger();
  private readonly inFlight: InFlightRecords;
  /** Streams whose name is the same at the destination: their source lines can go as printed. */
  private readonly sameName = new Map<string, boolean>();
  private lastStream: { name: string; namespace?: string } | undefined;
  private unbounded = false;
  /** The destination has echoed a STATE before its input ended: it confirms as it goes. */
  private echoed = false;
  private sending = false;
  private closed = false;

  constructor(
    private readonly destination: DestinationConnection,
    private readonly settings: ChannelSettings,
    private readonly reporter: Reporter,
    /** True once the sync failed: the channel stops waiting. */
    private readonly failed: () => boolean,
  ) {
    this.writer = new LineWriter(destination.stdin);
    this.inFlight = new InFlightRecords(settings.matchingKeys);
    // A destination that dies closes its stdin under us; the write then fails (EPIPE), which
    // must not crash the runner: the destination's own exit explains what happened.
    destination.stdin.on('error', () => (this.closed = true));
  }

  /** The destination can no longer be written to. */
  get gone(): boolean {
    return this.closed;
  }

  /** A write is waiting on the destination (it is the one to blame for silence). */
  get waiting(): boolean {
    return this.sending;
  }

  /** Records sent whose commit the destination has not confirmed. */
  get unconfirmed(): number {
    return this.ledger.unconfirmed;
  }

  /**
   * Sends a record; every `checkpointEvery` records, asks the destination to commit. Returns
   * a promise only when the caller must wait (the destination is not keeping up): at a
   * hundred thousand records a second, a promise per record was a cost of its own.
   */
  sendRecord(record: SentRecord): Promise<void> | undefined {
    const bound = 2 * this.settings.checkpointEvery;
    if (!this.unbounded && this.inFlight.size >= bound && !this.closed && !this.failed()) {
      return this.inFlight.room(this.settings.checkpointEvery, ECHO_WAIT_MS).then((room) => {
        if (!room) {
          this.unbounded = true;
          this.reporter.log(
            'runner',
            'WARN',
            `${this.destination.name} confirmed nothing for ${ECHO_WAIT_MS / 1000}s while records flowed: unconfirmed records are now kept in memory until it does`,
          );
        }
        return this.sendNow(record);
      });
    }
    return this.sendNow(record);
  }

  private sendNow(record: SentRecord): Promise<void> | undefined {
    const descriptor = this.settings.descriptor(record.stream);
    const written =
      record.line !== undefined
        ? this.send(`${record.line}\n`)
        : this.send({
            type: 'RECORD',
            record: {
              stream: descriptor.name,
              ...(descriptor.namespace ? { namespace: descriptor.namespace } : {}),
              data: record.data!,
              emitted_at: Date.now(),
              ...(record.op === 'delete' ? { operation: 'delete' as const } : {}),
            },
          });
    this.inFlight.add(record);
    this.ledger.recordSent(record.stream);
    this.lastStream = descriptor;
    if (this.ledger.recordsSinceLastState < this.settings.checkpointEvery) return written;
    const state = { type: 'STATE' as const, state: this.ledger.runnerCheckpoint(descriptor) };
    return written ? written.then(() => this.send(state)) : this.send(state);
  }

  /**
   * Whether a record of this stream may be sent as the source printed it (a `SentRecord`'s
   * `line`): only when the destination knows the stream by the same name.
   */
  sendsLinesOf(stream: string): boolean {
    let same = this.sameName.get(stream);
    if (same === undefined) {
      same = streamKey(this.settings.descriptor(stream)) === stream;
      this.sameName.set(stream, same);
    }
    return same;
  }

  /** Forwards a source STATE: its echo commits every record sent before it. */
  async forwardState(state: AirbyteStateMessage): Promise<void> {
    this.ledger.sourceStateSent(state);
    await this.send({ type: 'STATE', state });
  }

  /** Asks the destination to commit what was sent since the last STATE, if anything. */
  async checkpoint(): Promise<void> {
    if (this.lastStream && this.ledger.recordsSinceLastState > 0) {
      await this.send({ type: 'STATE', state: this.ledger.runnerCheckpoint(this.lastStream) });
    }
  }

  /**
   * Asks the destination to commit and waits for its echo, to learn which records it refused
   * for now. Only a destination that has already echoed during the run is waited for (and not
   * forever: a long silence or a long wait ends the waiting). One that has confirmed nothing
   * yet may confirm only when its input ends, so the runner ends its input at once and the
   * destination's exit and last echo decide the end of the run: no fixed wait. True once every
   * record sent is settled.
   */
  async settle(): Promise<boolean> {
    await this.checkpoint();
    if (this.closed || this.failed() || !this.echoed) return false;
    const asked = Date.now();
    const idle = this.inFlight.idle().then(() => true);
    for (;;) {
      const settled = await Promise.race([idle, sleep(ECHO_POLL_MS, false, { ref: false })]);
      if (settled) return true;
      const now = Date.now();
      const silent = now - Math.max(asked, this.destination.lastActivity);
      if (silent >= ECHO_SILENCE_MS || now - asked >= ECHO_WAIT_MS || this.closed || this.failed()) return false;
    }
  }

  /**
   * Reads the destination's echoes until its output ends, handing each commit and what it
   * settled over in order. An echo of a STATE never sent is a protocol error.
   */
  async receive(onCommit: (commit: Commit, settled: Settled) => Promise<void>): Promise<void> {
    for await (const { line, message } of this.destination.messages()) {
      if (message.type !== 'STATE' || !message.state) continue;
      const commit = this.ledger.echoed(message.state);
      if (!commit) {
        throw new ConnectorFailure(this.destination.name, 'echoed a STATE that the runner never sent', { line });
      }
      this.echoed = true;
      await onCommit(commit, this.inFlight.settle(commit.sentThrough, commit.rejected));
    }
    this.release();
  }

  /** Stops every wait for echoes: none can come any more. */
  release(): void {
    this.inFlight.release();
  }

  /** Writes what is buffered and ends the destination's input. */
  async end(): Promise<void> {
    await this.writer.flush().catch(() => (this.closed = true));
    this.destination.stdin.end();
  }

  /**
   * Queues a message, or a line already encoded; a closed stream marks the channel gone
   * rather than failing the caller. A promise only when the destination asks to wait.
   */
  private send(message: AirbyteMessage | string): Promise<void> | undefined {
    let wait: Promise<void> | undefined;
    try {
      wait = typeof message === 'string' ? this.writer.writeLine(message) : this.writer.write(message);
    } catch {
      this.closed = true;
      return undefined;
    }
    if (!wait) return undefined;
    this.sending = true;
    return wait.then(
      () => {
        this.sending = false;
      },
      () => {
        this.sending = false;
        this.closed = true;
      },
    );
  }
}
