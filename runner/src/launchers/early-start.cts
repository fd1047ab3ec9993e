// The first step of `runner sync`, run by bin/runner.js before the runner's own modules load:
// it starts the containers the last run of the same command started, from the plans that run
// left (see early-containers.ts), so that the engine's start-up of each container and the
// connector's own (~0.1 s each here) overlap the runner's. A container started here waits for
// its command line on a named pipe: nothing runs before the run holds its connection's lock,
// and the run adopts it only if it would have started the very same container.
//
// A run given `--keep-warm` starts, once it is over, a detached `node early-start.cjs warm`:
// it starts the same containers again, for the next run to claim already up and loaded (see
// warmContainers below).
//
// CommonJS, loading only Node's own modules, and talking to the engine over plain HTTP:
// loading dockerode costs the ~20 ms this step exists to save. Node's HTTP client and
// child_process load only when there are containers to start: every other command pays for
// this step no more than reading a file and a folder. Any failure leaves the run to start its
// containers itself.
import crypto = require('node:crypto');
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import type { EarlyContainer, EarlyPlan, EarlyStart } from './early-containers.js';

/** Longest wait for the engine to create a container before the runner goes on without it. */
const CREATE_TIMEOUT_MS = 2000;

/** Options of `runner sync` that take a value (the rest are flags). */
const VALUE_OPTIONS = new Set(['--executor', '--connectors-dir', '--stream', '--keep-warm']);

/**
 * How much longer a warm container waits than runs may claim it: a run that claims it at the
 * last moment still gives it its command line well before it gives up.
 */
const WARM_GRACE_MS = 60_000;

/** What a warm container's folder holds for the run that claims it, as `warm.json`. */
interface WarmRecord {
  id: string;
  exitToken: string;
  /** The plan's options it was created from, as JSON. */
  template: string;
}

/**
 * For `runner sync <file> …` with plans kept for this command line, in this folder, for this
 * file's exact contents: makes each container's folder and pipes, asks the engine to create and
 * start it, and resolves once the starts are asked. Otherwise resolves at once; undefined when
 * the command is not such a sync. A failure part way keeps what was started, for the run to
 * remove.
 */
async function startEarly(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<EarlyStart | undefined> {
  let planDir: string | undefined;
  try {
    planDir = planDirOf(argv.slice(2), env);
  } catch {
    return undefined;
  }
  if (planDir === undefined) return undefined;
  const early: EarlyStart = { planDir, containers: [] };
  const asked: Promise<void>[] = [];
  try {
    const plans = readPlans(planDir);
    const socketPath = engineSocket(env);
    if (plans.length === 0 || socketPath === undefined) return early;
    const pid = String(process.pid);
    const cold: typeof plans = [];
    for (const entry of plans) {
      const warm = claimWarmSafely(entry.file, entry.plan, pid, socketPath);
      if (warm) early.containers.push(warm);
      else cold.push(entry);
    }
    const folders = cold.map(({ plan }) => makeFolder(plan, pid));
    makeFifos(
      cold.map(({ plan }) => plan),
      folders,
    );
    cold.forEach(({ file, plan }, i) => {
      const container = askEngine(file, plan, folders[i]!, pid, socketPath);
      early.containers.push(container.early);
      asked.push(container.asked);
    });
  } catch {
    // The run goes on without what is missing.
  }
  await Promise.all(asked);
  return early;
}

/**
 * Where the plans of this command line are kept: a folder of the cache named after the
 * working directory, the arguments and the connection file's contents, so that any change to
 * one of them finds no plan.
 */
function planDirOf(args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  if (args[0] !== 'sync') return undefined;
  let file: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (arg === '-h' || arg === '--help') return undefined;
    else if (!arg.startsWith('-') && file === undefined) file = arg;
  }
  if (file === undefined) return undefined;
  const contents = fs.readFileSync(file);
  const key = crypto
    .createHash('sha1')
    .update(JSON.stringify([process.cwd(), args]))
    .update(contents)
    .digest('hex');
  return path.join(cacheDir(env), 'early', key);
}

/** The runner's cache folder, as connector-cache.ts's cacheDirFromEnv names it. */
function cacheDir(env: NodeJS.ProcessEnv): string {
  if (env['BACKFLOW_CACHE_DIR']) return env['BACKFLOW_CACHE_DIR'];
  return path.join(env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'backflow');
}

function readPlans(planDir: string): { file: string; plan: EarlyPlan }[] {
  let names: string[];
  try {
    names = fs.readdirSync(planDir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.json'))
    .map((name) => path.join(planDir, name))
    .flatMap((file) => {
      // One plan unreadable (cut short, say) costs its own container's early start only.
      try {
        return ownPrivateFile(file) ? [{ file, plan: JSON.parse(fs.readFileSync(file, 'utf8')) as EarlyPlan }] : [];
      } catch {
        return [];
      }
    });
}

/**
 * A plan says what container to start, mounts included: only one this user wrote and nobody
 * else can change is followed (as ssh treats its keys).
 */
function ownPrivateFile(file: string): boolean {
  const stat = fs.statSync(file);
  return stat.isFile() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
}

function ownPrivateFolder(folder: string): boolean {
  const stat = fs.lstatSync(folder);
  return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o077) === 0;
}

/** The engine's local socket; an engine reached otherwise (TCP, SSH) gets no early start. */
function engineSocket(env: NodeJS.ProcessEnv): string | undefined {
  const host = env['DOCKER_HOST'];
  if (!host) return '/var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/** One mkfifo for every pipe of these plans' folders: Node cannot make one, and each process started costs a few ms. */
function makeFifos(plans: readonly EarlyPlan[], folders: readonly { filesDir: string }[]): void {
  if (plans.length === 0) return;
  (require('node:child_process') as typeof import('node:child_process')).execFileSync('mkfifo', [
    '-m',
    '666',
    ...plans.flatMap((plan, i) => plan.fifos.map((name) => path.join(folders[i]!.filesDir, name))),
  ]);
}

/**
 * Makes a container's private folder, and the folder of files and pipes in it that the
 * container mounts. `owner` is the runner's pid, or for a warm container `warm.<until>`: no
 * runner owns it until one claims it, and the sweeps of killed runners' leftovers leave it
 * alone (they match pids only) until then.
 */
function makeFolder(plan: EarlyPlan, owner: string): { outerDir: string; filesDir: string } {
  // Written first, as the launcher does: should this runner die, a later run sweeps what it left.
  if (/^\d+$/.test(owner)) fs.writeFileSync(fill(plan.ownerFile, { pid: owner }), '');
  const outerDir = fs.mkdtempSync(fill(plan.dirPrefix, { pid: owner }));
  const filesDir = path.join(outerDir, 'files');
  fs.mkdirSync(filesDir);
  // Readable by the container whatever uid it runs as, whatever the umask.
  fs.chmodSync(filesDir, 0o755);
  return { outerDir, filesDir };
}

/**
 * Holds the runner's end of the pipe the command line will come through, and asks the engine
 * to create the container, then to start it; `asked` resolves once the start is asked.
 */
function askEngine(
  file: string,
  plan: EarlyPlan,
  { outerDir, filesDir }: { outerDir: string; filesDir: string },
  pid: string,
  socketPath: string,
): { early: EarlyContainer; asked: Promise<void> } {
  // Read-write, so that the connector's open does not wait and its read ends if this runner dies.
  const argsFd = fs.openSync(path.join(filesDir, plan.argsFifo), fs.constants.O_RDWR);
  const exitToken = crypto.randomBytes(8).toString('hex');
  const { created, started, asked: startAsked } = createAndStart(plan, pid, filesDir, exitToken, socketPath);
  return {
    early: {
      planFile: file,
      template: JSON.stringify(plan.options),
      outerDir,
      filesDir,
      argsFd,
      exitToken,
      created,
      started,
    },
    asked: startAsked,
  };
}

/**
 * Asks the engine to create the plan's container, then to start it: `created` and `started`
 * resolve to its id once each is done, `asked` once the start is asked. `env` is added to the
 * plan's.
 */
function createAndStart(
  plan: EarlyPlan,
  owner: string,
  filesDir: string,
  exitToken: string,
  socketPath: string,
  env: readonly string[] = [],
): { created: Promise<string>; started: Promise<string>; asked: Promise<void> } {
  // Each value as it is written inside a JSON string.
  const values = Object.fromEntries(
    Object.entries({ pid: owner, files: filesDir, 'exit-token': exitToken, run: crypto.randomUUID() }).map(
      ([key, value]) => [key, JSON.stringify(value).slice(1, -1)],
    ),
  );
  const options = JSON.parse(fill(JSON.stringify(plan.options), values)) as { Env?: string[] };
  options.Env = [...(options.Env ?? []), ...env];
  const name = `${plan.namePrefix}${crypto.randomBytes(4).toString('hex')}`;
  const created = engine(
    socketPath,
    'POST',
    `/containers/create?name=${encodeURIComponent(name)}`,
    options,
    CREATE_TIMEOUT_MS,
  ).then((body) => (JSON.parse(body) as { Id: string }).Id);
  let asked!: () => void;
  const startAsked = new Promise<void>((resolve) => (asked = resolve));
  const started = created.then((id) =>
    engine(socketPath, 'POST', `/containers/${id}/start`, undefined, undefined, asked).then(() => id),
  );
  created.catch(asked);
  started.catch(() => undefined);
  return { created, started, asked: startAsked };
}

/** The file in the plans' folder naming the folder of the container kept warm for `planFile`. */
function warmPointer(planFile: string): string {
  return planFile.replace(/\.json$/, '.warm');
}

/** The owner that stands for a warm container's runner in its names and labels, `warm.<until>`. */
function warmOwner(until: number): string {
  return `warm.${Math.floor(until / 1000)}`;
}

/**
 * Takes the container kept warm for `planFile`, if there is one no other run took and its wait
 * is not over: its folder is renamed into this runner's own (one rename wins), so that from
 * then on it is this runner's, swept as its other folders should it die.
 */
function takeWarm(planFile: string, plan: EarlyPlan, pid: string): { ownDir: string; record: WarmRecord } | undefined {
  const pointer = warmPointer(planFile);
  let warmDir: string;
  try {
    warmDir = fs.readFileSync(pointer, 'utf8');
  } catch {
    return undefined;
  }
  const until = /^backflow-warm\.(\d+)\./.exec(path.basename(warmDir));
  const ownDir = fill(plan.dirPrefix, { pid }) + warmDir.slice(-6);
  if (!until || Number(until[1]) * 1000 <= Date.now() || path.dirname(ownDir) !== path.dirname(warmDir))
    return undefined;
  try {
    fs.renameSync(warmDir, ownDir);
  } catch {
    return undefined;
  }
  // Its files will hold the run's config and secrets: only a folder of this user's that nobody else can enter.
  if (!ownPrivateFolder(ownDir)) return undefined;
  try {
    if (fs.readFileSync(pointer, 'utf8') === warmDir) fs.rmSync(pointer, { force: true });
    return { ownDir, record: JSON.parse(fs.readFileSync(path.join(ownDir, 'warm.json'), 'utf8')) as WarmRecord };
  } catch {
    // Half made (its warm step died): named after this runner now, swept once it is gone.
    return undefined;
  }
}

/**
 * Takes the container kept warm for `planFile` (see takeWarm) for this run: `started`
 * resolves once the engine says it still runs, from the image its tag names now; the run
 * removes it otherwise.
 */
function claimWarm(planFile: string, plan: EarlyPlan, pid: string, socketPath: string): EarlyContainer | undefined {
  const taken = takeWarm(planFile, plan, pid);
  if (!taken) return undefined;
  const { ownDir, record } = taken;
  const filesDir = path.join(ownDir, 'files');
  // Not one replaced since (a pull, a build).
  const image = (plan.options as { Image?: string }).Image ?? '';
  const started = Promise.all([
    engine(socketPath, 'GET', `/containers/${record.id}/json`),
    engine(socketPath, 'GET', `/images/${image}/json`),
  ]).then(([containerBody, imageBody]) => {
    const container = JSON.parse(containerBody) as { Image?: string; State?: { Running?: boolean } };
    if (!container.State?.Running) throw new Error(`the warm container ${record.id} is no longer running`);
    if (container.Image !== (JSON.parse(imageBody) as { Id?: string }).Id)
      throw new Error(`the warm container ${record.id} runs an image ${image} no longer names`);
    return record.id;
  });
  started.catch(() => undefined);
  return {
    planFile,
    template: record.template,
    outerDir: ownDir,
    filesDir,
    argsFd: fs.openSync(path.join(filesDir, plan.argsFifo), fs.constants.O_RDWR),
    exitToken: record.exitToken,
    created: Promise.resolve(record.id),
    started,
    warm: true,
  };
}

/** claimWarm, where a failure (a pipe gone from the folder, say) costs that plan's container only: the run starts its own. */
function claimWarmSafely(
  planFile: string,
  plan: EarlyPlan,
  pid: string,
  socketPath: string,
): EarlyContainer | undefined {
  try {
    return claimWarm(planFile, plan, pid, socketPath);
  } catch {
    return undefined;
  }
}

/**
 * Starts the containers of the plans in `planDir` and leaves them waiting, up to `waitMs`, for
 * a later run of the same command line to claim them (see claimWarm): up and loaded, they cost
 * that run no engine start. Each replaces the one kept for its plan before, if no run took it.
 * Resolves once every container has started and its pointer is written.
 */
async function warmContainers(planDir: string, waitMs: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const socketPath = engineSocket(env);
  if (socketPath === undefined) return;
  const plans = readPlans(planDir).filter(({ plan }) => plan.waits);
  await Promise.all(plans.map(({ file, plan }) => discardWarm(file, plan, socketPath)));
  const until = Date.now() + waitMs;
  const owner = warmOwner(until);
  const folders = plans.map(({ plan }) => makeFolder(plan, owner));
  makeFifos(
    plans.map(({ plan }) => plan),
    folders,
  );
  // The SDK's ARGS_WAIT_ENV (this module loads nothing but Node's own).
  const waitEnv = [`BACKFLOW_ARGS_WAIT_MS=${waitMs + WARM_GRACE_MS}`];
  await Promise.all(
    plans.map(async ({ file, plan }, i) => {
      const { outerDir, filesDir } = folders[i]!;
      const exitToken = crypto.randomBytes(8).toString('hex');
      try {
        const { started } = createAndStart(plan, owner, filesDir, exitToken, socketPath, waitEnv);
        const record: WarmRecord = { id: await started, exitToken, template: JSON.stringify(plan.options) };
        fs.writeFileSync(path.join(outerDir, 'warm.json'), JSON.stringify(record), { mode: 0o600 });
        const pointer = warmPointer(file);
        fs.writeFileSync(`${pointer}.${process.pid}.tmp`, outerDir, { mode: 0o600 });
        fs.renameSync(`${pointer}.${process.pid}.tmp`, pointer);
      } catch {
        // No warm container for this plan: the next run starts it as usual.
        fs.rmSync(outerDir, { recursive: true, force: true });
      }
    }),
  );
}

/**
 * For a sync run in a process that stays up (`runner serve`): the containers kept warm in
 * `planDir` that no other run took, claimed for this one.
 */
function claimWarmContainers(planDir: string, env: NodeJS.ProcessEnv = process.env): EarlyStart {
  const early: EarlyStart = { planDir, containers: [] };
  const socketPath = engineSocket(env);
  if (socketPath === undefined) return early;
  try {
    for (const { file, plan } of readPlans(planDir)) {
      const warm = claimWarmSafely(file, plan, String(process.pid), socketPath);
      if (warm) early.containers.push(warm);
    }
  } catch {
    // The run starts what it cannot claim.
  }
  return early;
}

/** Removes the containers kept warm in `planDir` that no run took. */
async function discardWarmContainers(planDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const socketPath = engineSocket(env);
  if (socketPath === undefined) return;
  await Promise.all(readPlans(planDir).map(({ file, plan }) => discardWarm(file, plan, socketPath)));
}

/** Removes the container kept warm for `planFile` before, unless a run took it. */
async function discardWarm(planFile: string, plan: EarlyPlan, socketPath: string): Promise<void> {
  const taken = takeWarm(planFile, plan, String(process.pid));
  if (!taken) return;
  await engine(socketPath, 'DELETE', `/containers/${taken.record.id}?force=true&v=true`).catch(() => undefined);
  fs.rmSync(taken.ownDir, { recursive: true, force: true });
}

/** `text` with each `{{name}}` of `values` replaced by its value. */
function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{([a-z-]+)\}\}/g, (placeholder, name: string) => values[name] ?? placeholder);
}

/**
 * Asks the engine; resolves to the body of a 2xx answer. `sent` is called once the request
 * has gone out, so the caller can block its thread (loading the runner) while the engine works.
 */
function engine(
  socketPath: string,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  body?: unknown,
  timeoutMs?: number,
  sent?: () => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const request = (require('node:http') as typeof import('node:http')).request(
      {
        socketPath,
        path: url,
        method,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          (response.statusCode ?? 500) < 300
            ? resolve(text)
            : reject(new Error(`${url}: ${response.statusCode} ${text}`)),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${url}: no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    if (sent) request.on('finish', sent).on('error', sent);
    request.end(payload);
  });
}

// `node early-start.cjs warm <plans' folder> <milliseconds>`, started detached by a run given `--keep-warm`.
if (require.main === module && process.argv[2] === 'warm') {
  void warmContainers(process.argv[3]!, Number(process.argv[4])).catch(() => undefined);
}

export = { startEarly, warmContainers, claimWarmContainers, discardWarmContainers };
