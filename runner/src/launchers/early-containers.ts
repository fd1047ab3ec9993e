import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { LABELS, connectorSlug } from './docker-labels.js';

/**
 * What a sync's Docker launcher keeps, one file per connector command, so that the next run
 * of the same command line starts that container before the runner has even loaded
 * (early-start.cts, run first by bin/runner.js). Written by the launcher from the options it
 * creates the container with; per-run values are placeholders: `{{pid}}` (the runner's),
 * `{{files}}` (the container's folder of files and pipes), `{{exit-token}}`, `{{run}}`.
 */
export interface EarlyPlan {
  /** The engine's container-create options, which the run compares with its own before adopting. */
  options: Docker.ContainerCreateOptions;
  /** The container's name before its random suffix. */
  namePrefix: string;
  /** The runner's owner file (see container-owners.ts), written before the container is asked for. */
  ownerFile: string;
  /** Prefix of the private folder (see invocation-files.ts), for mkdtemp. */
  dirPrefix: string;
  /** Named pipes to make in the folder of files. */
  fifos: string[];
  /** The one of them the connector reads its command line from (the SDK's BACKFLOW_ARGS). */
  argsFifo: string;
  /**
   * Whether the connector can wait for its command line with nobody holding the pipe (the
   * SDK's BACKFLOW_ARGS_WAIT_MS), so that a container of this plan can be kept warm.
   */
  waits?: boolean;
}

/** A container started early from a plan, waiting for its command line. */
export interface EarlyContainer {
  planFile: string;
  /** The plan's options, as JSON. */
  template: string;
  /** The private folder, and the folder of files and pipes in it that the container mounts. */
  outerDir: string;
  filesDir: string;
  /** The runner's end of the pipe the command line goes through, open read-write. */
  argsFd: number;
  exitToken: string;
  /** The container's id, once the engine has created it. */
  created: Promise<string>;
  /** The same, once the engine has started it. */
  started: Promise<string>;
  /** Kept warm since an earlier run (claimed), rather than started for this one. */
  warm?: boolean;
}

/**
 * A sync's plans' folder, and the containers started from its plans before it (by bin/runner.js
 * for `runner sync`, or kept warm since its last run): its Docker launchers adopt them, keep
 * their plans there, and remove what they did not adopt.
 */
export interface EarlyStart {
  planDir: string;
  containers: EarlyContainer[];
}

/**
 * The plan file of a connector's command, when the sync keeps plans (`early`): `read` and
 * `write`, which a sync starts every time.
 */
export function earlyPlanFile(early: EarlyStart | undefined, name: string, command: string): string | undefined {
  if (!early || (command !== 'read' && command !== 'write')) return undefined;
  return join(early.planDir, `${connectorSlug(name)}.${command}.json`);
}

/**
 * Takes the container started early from `planFile`, if any: the caller adopts it if its
 * options match, and removes it otherwise.
 */
export function takeEarlyContainer(early: EarlyStart, planFile: string): EarlyContainer | undefined {
  const index = early.containers.findIndex((c) => c.planFile === planFile);
  return index < 0 ? undefined : early.containers.splice(index, 1)[0];
}

/** Takes every container started early that no connector adopted. */
export function takeUnadoptedContainers(early: EarlyStart | undefined): EarlyContainer[] {
  return early?.containers.splice(0) ?? [];
}

/** How long the plans of a command line no run has used are kept: each edit of a connection file leaves its old ones. */
export const UNUSED_PLANS_KEPT_MS = 30 * 24 * 3600 * 1000;

/** The plan writes of this run not yet done: containers are kept warm from the plans once they are. */
const planWrites = new Set<Promise<void>>();

/**
 * Keeps the plan for the next run (replacing it atomically), and removes the plans of command
 * lines unused for {@link UNUSED_PLANS_KEPT_MS}; a failure only costs a run its early start.
 */
export function keepEarlyPlan(planFile: string, plan: EarlyPlan, now = Date.now()): Promise<void> {
  const written = writePlan(planFile, plan, now);
  planWrites.add(written);
  void written.finally(() => planWrites.delete(written));
  return written;
}

async function writePlan(planFile: string, plan: EarlyPlan, now: number): Promise<void> {
  const text = JSON.stringify(plan);
  const temporary = `${planFile}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(planFile), { recursive: true, mode: 0o700 });
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, planFile);
    await removeUnusedPlans(dirname(dirname(planFile)), now);
  } catch {
    await rm(temporary, { force: true });
  }
}

/** Marks the plans of `planFile`'s command line as used now: they are kept {@link UNUSED_PLANS_KEPT_MS} from here. */
export async function earlyPlanUsed(planFile: string): Promise<void> {
  const now = new Date();
  await utimes(dirname(planFile), now, now).catch(() => undefined);
}

/** Removes the plan folders in `dir` unused (neither written nor marked used) for {@link UNUSED_PLANS_KEPT_MS}. */
async function removeUnusedPlans(dir: string, now: number): Promise<void> {
  for (const name of await readdir(dir)) {
    const folder = join(dir, name);
    if (now - (await stat(folder)).mtimeMs > UNUSED_PLANS_KEPT_MS) await rm(folder, { recursive: true, force: true });
  }
}

/** Lets go of what the runner holds of an early container: its pipe's end, then its folder. */
export async function releaseEarlyContainer(container: EarlyContainer): Promise<void> {
  closeArgsPipe(container);
  await rm(container.outerDir, { recursive: true, force: true });
}

/** Closes the runner's end of the command-line pipe (once): a connector still waiting on it then exits. */
export function closeArgsPipe(container: EarlyContainer): void {
  if (container.argsFd < 0) return;
  closeSync(container.argsFd);
  container.argsFd = -1;
}

/** early-start.cjs, from this module's folder or the bundle's (both one folder below dist/). */
const EARLY_START = fileURLToPath(new URL('../launchers/early-start.cjs', import.meta.url));

/**
 * Once this run's plans are written, starts a detached `early-start.cjs warm`, which starts
 * their containers again and leaves them waiting up to `waitMs` for the next run of the same
 * command line to claim them; the run does not wait for it. Resolves to the connectors kept
 * warm: none when this process is not such a run (no plans' folder), or when no plan's image
 * can wait (see {@link EarlyPlan.waits}).
 */
export async function keepContainersWarm(early: EarlyStart | undefined, waitMs: number): Promise<string[]> {
  if (!early) return [];
  await Promise.allSettled([...planWrites]);
  const { planDir } = early;
  const plans = await readdir(planDir).catch(() => []);
  const waiting = [];
  for (const name of plans.filter((file) => file.endsWith('.json'))) {
    // A plan that cannot be read is not kept warm (the warm step skips it too); the run succeeded all the same.
    const plan = await readFile(join(planDir, name), 'utf8')
      .then((text) => JSON.parse(text) as EarlyPlan)
      .catch(() => undefined);
    // Named as the connection file names the connector (`@backflow/destination-postgres`), not as its plan file.
    if (plan?.waits) waiting.push(`${plan.options.Labels?.[LABELS.connector] ?? name}.${name.split('.').at(-2)}`);
  }
  if (waiting.length === 0) return [];
  const warmer = spawn(process.execPath, [EARLY_START, 'warm', planDir, String(waitMs)], {
    detached: true,
    stdio: 'ignore',
  });
  warmer.on('error', () => undefined);
  warmer.unref();
  return waiting;
}
