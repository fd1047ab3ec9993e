import { sync } from '@backflow/runner';
import earlyStartStep from '../../runner/dist/launchers/early-start.cjs';
import type { EarlyStart } from '../../runner/src/launchers/early-containers.js';
import { modelSource, type TestDatabase } from './postgres.js';
import { RUNNER_BIN, type tempWorkspace } from './workspace.js';

/**
 * `runner sync` as bin/runner.js runs it, in this process: its first step (early-start.cts),
 * which starts or claims the containers kept for the command line, then the sync with what it
 * started, so that a test can follow each container. Plans are kept in the workspace's `cache`.
 */
export function earlyStartRuns(db: () => TestDatabase, ws: () => Awaited<ReturnType<typeof tempWorkspace>>) {
  const env = () => ({ ...process.env, BACKFLOW_CACHE_DIR: ws().path('cache') });

  /** A Postgres → Postgres connection run under Docker (unless `extra` says otherwise), with its own state and target schema. */
  const connectionFile = (name: string, extra: object = {}): Promise<string> =>
    ws().connection(name, {
      name,
      source: modelSource(db()),
      destination: { connector: 'destination-postgres', config: { ...db().config, schema: name } },
      streams: [{ name: 'customers', primary_key: ['id'], behaviour: 'upsert' }],
      state: ws().path(`state-${name}`),
      executor: 'docker',
      ...extra,
    });

  /** The first step of `runner sync <file>`. */
  const firstStep = async (file: string): Promise<EarlyStart> => {
    const early = await earlyStartStep.startEarly(['node', RUNNER_BIN, 'sync', file], env());
    if (!early) throw new Error('the first step did not take `runner sync <file>` for a sync');
    return early;
  };

  /** The first step, then the sync; `ids`: the containers started for it that run (not those the run will replace). */
  const runSync = async (file: string) => {
    const early = await firstStep(file);
    const started = await Promise.allSettled(early.containers.map((c) => c.started));
    const ids = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    return { early, ids, summary: await sync(file, { early }) };
  };

  return { env, connectionFile, firstStep, runSync };
}
