import type { LoadedConnection } from '../connection/load-connection.js';
import type { Clock } from './clock.js';
import { AlreadyRunning, type RunManager } from './run-manager.js';
import { firstRunAt, type Schedule } from './schedule.js';

interface Slot {
  readonly connection: LoadedConnection;
  readonly schedule: Schedule;
  nextAt: number;
  cancel: () => void;
  /** A slot came while the connection was running: run once more when it ends. */
  missed: boolean;
}

/**
 * Starts each scheduled connection at its times. A slot that comes while the connection is
 * still running is caught up once when that run ends — never queued once per slot.
 */
export class Scheduler {
  private readonly slots = new Map<string, Slot>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly runs: RunManager,
    private readonly log: (line: string) => void,
  ) {
    runs.onFinished((connection) => {
      const slot = this.slots.get(connection.name);
      if (!slot?.missed || this.stopped) return;
      slot.missed = false;
      this.log(`${connection.name}: catching up the slot missed while it ran`);
      this.arm(slot, this.clock.now());
    });
  }

  /** Schedules a connection; `lastRunStartedAt` (from the history) decides whether a missed slot is caught up now. */
  add(connection: LoadedConnection, schedule: Schedule, lastRunStartedAt: number | undefined): void {
    const slot: Slot = { connection, schedule, nextAt: 0, cancel: () => undefined, missed: false };
    this.slots.set(connection.name, slot);
    this.arm(slot, firstRunAt(schedule, lastRunStartedAt, this.clock.now()));
  }

  /** When the connection runs next, if scheduled. */
  nextRun(connection: string): number | undefined {
    return this.slots.get(connection)?.nextAt;
  }

  stop(): void {
    this.stopped = true;
    for (const slot of this.slots.values()) slot.cancel();
  }

  private arm(slot: Slot, at: number): void {
    slot.cancel();
    slot.nextAt = at;
    slot.cancel = this.clock.at(at, () => this.fire(slot));
  }

  private fire(slot: Slot): void {
    if (this.stopped) return;
    const now = this.clock.now();
    this.arm(slot, slot.schedule.next(now));
    this.runs.start(slot.connection, { trigger: 'schedule' }).then(
      (run) => this.log(`${slot.connection.name}: scheduled run ${run} started`),
      (error: unknown) => {
        if (error instanceof AlreadyRunning && error.elsewhere) {
          // Another process sharing the store took this slot: the work is done once.
          this.log(`${slot.connection.name}: scheduled run left to another process: ${error.message}`);
        } else if (error instanceof AlreadyRunning) {
          slot.missed = true;
          this.log(`${slot.connection.name}: still running at its scheduled time; it runs again when done`);
        } else {
          this.log(`${slot.connection.name}: scheduled run not started: ${(error as Error).message}`);
        }
      },
    );
  }
}
