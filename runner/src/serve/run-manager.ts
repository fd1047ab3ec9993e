import type { LoadedConnection } from '../connection/load-connection.js';
import { ConfigurationError } from '../errors.js';
import { emptyCounts, type StreamCounts, type SyncEvent } from '../report/events.js';
import type { SyncSummary } from '../sync/run-sync.js';
import { LockedElsewhere, type StoreAccess } from './store-access.js';
import type { WarmKeeper } from './warm-keeper.js';

export type Trigger = 'schedule' | 'api' | 'page';

/** A run in progress in this process, with its live counts. */
export interface LiveRun {
  readonly connection: string;
  /** Known once the run is recorded (after both connectors' specs and the catalog are checked). */
  run?: number;
  readonly trigger: Trigger;
  readonly startedAt: string;
  readonly streams: Record<string, StreamCounts>;
}

export interface StartOptions {
  readonly trigger: Trigger;
  readonly fullResync?: boolean;
  /** Only these streams (by name, or `namespace.name`); all by default. */
  readonly streams?: readonly string[];
}

/** `serve` is stopping: no new runs start. */
export class NotAccepting extends Error {
  constructor() {
    super('serve is stopping: no new runs start');
  }
}

/** The run failed before the store recorded it (e.g. the state store is unreachable). */
export class RunNotRecorded extends Error {}

/** Another run of the connection is under way: here, or in another process sharing its store. */
export class AlreadyRunning extends Error {
  constructor(
    readonly connection: string,
    readonly run: number | undefined,
    /** Set when another process (another serve, `runner sync`) holds the connection's lock. */
    readonly elsewhere?: string,
  ) {
    super(elsewhere ?? `${connection} is already running${run === undefined ? '' : ` (run ${run})`}`);
  }
}

export type FinishedListener = (connection: LoadedConnection, summary: SyncSummary, trigger: Trigger) => void;

/**
 * Starts runs — never two of one connection at once — and keeps their live progress for the
 * page and the API. Stopping aborts the running syncs: each keeps its state at its last
 * commit, so the next run resumes there and nothing is lost.
 */
export class RunManager {
  private readonly live = new Map<string, { run: LiveRun; abort: AbortController; done: Promise<void> }>();
  private readonly watchers = new Map<string, Set<(run: LiveRun) => void>>();
  private readonly finished: FinishedListener[] = [];
  private stopping = false;

  constructor(
    private readonly store: StoreAccess,
    /** Hands each run the containers kept warm for it. */
    private readonly warm?: WarmKeeper,
  ) {}

  onFinished(listener: FinishedListener): void {
    this.finished.push(listener);
  }

  /** The connection's run in progress here, if any. */
  current(connection: string): LiveRun | undefined {
    return this.live.get(connection)?.run;
  }

  /** Calls `watch` on every change of the connection's live run until the returned function is called. */
  watch(connection: string, watch: (run: LiveRun) => void): () => void {
    let set = this.watchers.get(connection);
    if (!set) this.watchers.set(connection, (set = new Set()));
    set.add(watch);
    return () => set.delete(watch);
  }

  /**
   * Starts a run and resolves with its id once recorded. Throws {@link AlreadyRunning} while
   * one is under way, {@link NotAccepting} once stopping, and a ConfigurationError for an unknown stream.
   */
  async start(connection: LoadedConnection, options: StartOptions): Promise<number> {
    if (this.stopping) throw new NotAccepting();
    if (options.fullResync && options.streams?.length)
      throw new ConfigurationError('full_resync resets the whole connection: leave out streams');
    const selected = selectStreams(connection, options.streams);
    const release = this.store.claim(connection);
    if (!release) throw new AlreadyRunning(connection.name, this.current(connection.name)?.run);
    const run: LiveRun = {
      connection: connection.name,
      trigger: options.trigger,
      startedAt: new Date().toISOString(),
      streams: {},
    };
    const abort = new AbortController();
    const notify = () => this.watchers.get(connection.name)?.forEach((watch) => watch(run));
    let recorded!: (id: number) => void;
    let unrecorded!: (error: Error) => void;
    const id = new Promise<number>((resolve, reject) => ((recorded = resolve), (unrecorded = reject)));
    const onEvent = (event: SyncEvent) => {
      if (event.type === 'progress') run.streams[event.stream] = { ...event.counts };
      else if (event.type === 'started') for (const stream of event.streams) run.streams[stream] ??= emptyCounts();
      else return;
      notify();
    };
    const done = this.store
      .sync(selected, {
        early: this.warm?.claim(connection),
        fullResync: options.fullResync ?? false,
        signal: abort.signal,
        onEvent,
        onRun: (value) => {
          run.run = value;
          recorded(value);
          notify();
        },
      })
      .then(
        (summary) => {
          Object.assign(run.streams, summary.streams);
          // Failed before the store recorded a run (e.g. the store is unreachable): say why.
          if (run.run === undefined)
            unrecorded(new RunNotRecorded(summary.error?.message ?? 'the run was not recorded'));
          return summary;
        },
        (error: unknown) => {
          unrecorded(
            error instanceof LockedElsewhere
              ? new AlreadyRunning(connection.name, error.holder?.run, error.message)
              : error instanceof Error
                ? error
                : new Error(String(error)),
          );
          return undefined;
        },
      )
      .then((summary) => {
        this.live.delete(connection.name);
        release();
        notify();
        if (summary) for (const listener of this.finished) listener(connection, summary, options.trigger);
      });
    this.live.set(connection.name, { run, abort, done });
    return id;
  }

  /** Aborts every running sync and waits until each has kept its state and recorded its end. */
  async stop(): Promise<void> {
    this.stopping = true;
    const running = [...this.live.values()];
    for (const { abort } of running) abort.abort();
    await Promise.all(running.map(({ done }) => done));
  }

  /** Waits for the runs under way to end, without stopping them. */
  async idle(): Promise<void> {
    await Promise.all([...this.live.values()].map(({ done }) => done));
  }
}

function selectStreams(connection: LoadedConnection, names: readonly string[] | undefined): LoadedConnection {
  if (!names || names.length === 0) return connection;
  const known = (stream: LoadedConnection['streams'][number]) =>
    names.includes(stream.name) ||
    (stream.namespace !== undefined && names.includes(`${stream.namespace}.${stream.name}`));
  const unknown = names.filter(
    (name) => !connection.streams.some((s) => s.name === name || `${s.namespace}.${s.name}` === name),
  );
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `${connection.name} has no stream ${unknown.map((n) => `"${n}"`).join(', ')} (streams: ${connection.streams
        .map((s) => s.name)
        .join(', ')})`,
    );
  }
  return { ...connection, streams: connection.streams.filter(known) };
}
