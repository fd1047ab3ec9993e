import type { Clock } from '@backflow/runner';

/** A clock that moves only when the test says so; due timers fire in time order. */
export class ManualClock implements Clock {
  private readonly timers = new Set<{ at: number; fire: () => void }>();

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  at(at: number, fire: () => void): () => void {
    const timer = { at, fire };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves to `time`, firing every timer due by then (including ones armed while firing). */
  advanceTo(time: number): void {
    for (;;) {
      const due = [...this.timers].filter((t) => t.at <= time).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers.delete(due);
      this.time = Math.max(this.time, due.at);
      due.fire();
    }
    this.time = time;
  }
}
