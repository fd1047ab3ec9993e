// The first step of `runner sync`, run by bin/runner.js before the runner's own modules load:
// it starts the containers the last run of the same command started, from the plans that run
// left (see early-containers.ts), so that the engine's start-up of each container and the
// connector's own (~0.1 s each here) overlap the runner's. A container started here waits for
// its command line on a named pipe: nothing runs before the run holds its connection's lock,
// and the run adopts it only if it would have started the very same container.
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
const VALUE_OPTIONS = new Set(['--executor', '--connectors-dir', '--stream']);

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
    const folders = plans.map(({ plan }) => makeFolder(plan, pid));
    // One mkfifo for every pipe: Node cannot make one, and each process started costs a few ms.
    (require('node:child_process') as typeof import('node:child_process')).execFileSync('mkfifo', [
      '-m',
      '666',
      ...plans.flatMap(({ plan }, i) => plan.fifos.map((name) => path.join(folders[i]!.filesDir, name))),
    ]);
    plans.forEach(({ file, plan }, i) => {
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
    .filter(ownPrivateFile)
    .map((file) => ({ file, plan: JSON.parse(fs.readFileSync(file, 'utf8')) as EarlyPlan }));
}

/**
 * A plan says what container to start, mounts included: only one this user wrote and nobody
 * else can change is followed (as ssh treats its keys).
 */
function ownPrivateFile(file: string): boolean {
  const stat = fs.statSync(file);
  return stat.isFile() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
}

/** The engine's local socket; an engine reached otherwise (TCP, SSH) gets no early start. */
function engineSocket(env: NodeJS.ProcessEnv): string | undefined {
  const host = env['DOCKER_HOST'];
  if (!host) return '/var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/** Makes a container's private folder, and the folder of files and pipes in it that the container mounts. */
function makeFolder(plan: EarlyPlan, pid: string): { outerDir: string; filesDir: string } {
  // Written first, as the launcher does: should this runner die, a later run sweeps what it left.
  fs.writeFileSync(fill(plan.ownerFile, { pid }), '');
  const outerDir = fs.mkdtempSync(fill(plan.dirPrefix, { pid }));
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
  // Each value as it is written inside a JSON string.
  const values = Object.fromEntries(
    Object.entries({ pid, files: filesDir, 'exit-token': exitToken, run: crypto.randomUUID() }).map(([key, value]) => [
      key,
      JSON.stringify(value).slice(1, -1),
    ]),
  );
  const options = JSON.parse(fill(JSON.stringify(plan.options), values)) as Record<string, unknown>;
  const name = `${plan.namePrefix}${crypto.randomBytes(4).toString('hex')}`;
  const created = engine(
    socketPath,
    `/containers/create?name=${encodeURIComponent(name)}`,
    options,
    CREATE_TIMEOUT_MS,
  ).then((body) => (JSON.parse(body) as { Id: string }).Id);
  let asked!: () => void;
  const startAsked = new Promise<void>((resolve) => (asked = resolve));
  const started = created.then((id) =>
    engine(socketPath, `/containers/${id}/start`, undefined, undefined, asked).then(() => id),
  );
  created.catch(asked);
  started.catch(() => undefined);
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

/** `text` with each `{{name}}` of `values` replaced by its value. */
function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{([a-z-]+)\}\}/g, (placeholder, name: string) => values[name] ?? placeholder);
}

/**
 * POSTs to the engine; resolves to the body of a 2xx answer. `sent` is called once the request
 * has gone out, so the caller can block its thread (loading the runner) while the engine works.
 */
function engine(
  socketPath: string,
  url: string,
  body: unknown,
  timeoutMs?: number,
  sent?: () => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const request = (require('node:http') as typeof import('node:http')).request(
      {
        socketPath,
        path: url,
        method: 'POST',
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

export = { startEarly };
