import type { RejectedRecord } from '../types.js';

/** A batch's write once started: settles with the records the destination rejected. */
export type StartedWrite = Promise<RejectedRecord[]>;

/**
 * Up to `limit` batches written at once, for destinations that declare
 * `limits.max_concurrency`: an API's latency, not its rate limit, would otherwise bound
 * throughput (one request per round trip). The limit is also the memory bound: reading
 * waits while `limit` batches are in flight. A batch holding a key that a batch still in
 * flight holds waits for it, so two versions of one record never race. With a limit of 1,
 * each write is awaited before `start` returns, as if there were no concurrency at all.
 * The first failure is rethrown by every later `start` and by `drain`.
 */
export class InflightWrites {
  private readonly running = new Map<Promise<unknown>, ReadonlySet<string>>();
  private failure: { error: unknown } | undefined;

  constructor(readonly limit: number) {}

  /**
   * Starts `write` once a slot is free and no batch in flight holds one of `keys`; resolves
   * once it started, with the write itself (wrapped, so awaiting the start does not await it).
   */
  async start(keys: readonly string[], write: () => Promise<RejectedRecord[]>): Promise<{ write: StartedWrite }> {
    this.rethrow();
    if (this.limit <= 1) {
      const rejected = await write();
      return { write: Promise.resolve(rejected) };
    }
    const held = new Set(keys);
    while (this.running.size >= this.limit || this.overlaps(held)) {
      await Promise.race(this.running.keys());
      this.rethrow();
    }
    const started = write();
    const settled = started.then(
      () => void this.running.delete(settled),
      (error: unknown) => {
        this.failure ??= { error };
        this.running.delete(settled);
      },
    );
    this.running.set(settled, held);
    return { write: started };
  }

  /** Waits for every batch in flight; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.running.keys());
    this.rethrow();
  }

  private overlaps(keys: ReadonlySet<string>): boolean {
    for (const held of this.running.values()) for (const key of keys) if (held.has(key)) return true;
    return false;
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}

/**
 * STATEs waiting for the batches before them. A STATE is emitted only once every batch
 * started before it has settled, even when later batches finish first, and STATEs are
 * emitted strictly in input order (each waits for the one before). It carries the
 * rejections of the batches since the previous STATE, in the order the batches started.
 * Once a batch fails, no STATE after it is emitted.
 */
export class PendingStates {
  /** Rejections of the batches since the last STATE that settled before any still running. */
  private settled: RejectedRecord[] = [];
  /** Batches since the last STATE from the first still running on, in start order. */
  private batches: { readonly write: StartedWrite; rejected?: RejectedRecord[] }[] = [];
  private readonly queue: Promise<void>[] = [];
  private last: Promise<void> = Promise.resolve();

  /** Records a started batch; the next STATE waits for it. */
  add(write: StartedWrite): void {
    const entry: { write: StartedWrite; rejected?: RejectedRecord[] } = { write };
    // Failures surface through `done`/`oldest`; the catch keeps an early one from going unhandled.
    write.then(
      (rejected) => (entry.rejected = rejected),
      () => undefined,
    );
    this.batches.push(entry);
    // Without a STATE for a long while, settled batches must not pile up: keep their rejections only.
    while (this.batches[0]?.rejected) this.settled.push(...this.batches.shift()!.rejected!);
  }

  /** Queues a STATE: `emit` runs with its rejections once its batches and every earlier STATE are done. */
  enqueue(emit: (rejected: RejectedRecord[]) => Promise<void>): void {
    const settled = this.settled;
    const running = this.batches.map((entry) => entry.write);
    this.settled = [];
    this.batches = [];
    const previous = this.last;
    const emitted = (async () => {
      await previous;
      const rejected = [...settled, ...(await Promise.all(running)).flat()];
      await emit(rejected);
    })();
    emitted.catch(() => undefined);
    const done = emitted.finally(() => void this.queue.splice(this.queue.indexOf(done), 1));
    done.catch(() => undefined);
    this.queue.push(done);
    this.last = emitted;
  }

  /** STATEs queued and not yet emitted. */
  get size(): number {
    return this.queue.length;
  }

  /** Waits until the oldest queued STATE is emitted (or throws its failure). */
  async oldest(): Promise<void> {
    await this.queue[0];
  }

  /** Waits until every queued STATE is emitted; throws the first failure. */
  async done(): Promise<void> {
    await this.last;
  }
}
