import { randomBytes, randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';
import { ARGS_ENV, EXIT_LINE_ENV, STDIO_ENV } from '@backflow/protocol/connector';
import type Docker from 'dockerode';
import { configPaths } from './config-paths.js';
import { containerComing, containerGone, ownerFile } from './container-owners.js';
import { containerMounts, containerUser, type ContainerMount, type ContainerUser } from './container-mounts.js';
import { LABELS, connectorSlug, ownerLabel } from './docker-labels.js';
import { dockerClient } from './docker-client.js';
import { dockerError, dockerStatus, imageNotFound } from './docker-errors.js';
import { attachStdin, demuxAttachStream } from './docker-streams.js';
import {
  closeArgsPipe,
  earlyPlanFile,
  earlyPlanUsed,
  keepEarlyPlan,
  releaseEarlyContainer,
  takeEarlyContainer,
  takeUnadoptedContainers,
  type EarlyContainer,
  type EarlyPlan,
  type EarlyStart,
} from './early-containers.js';
import { LauncherError } from './errors.js';
import { FIFO_NAMES, openFifoEnds, openFifoStdio, type FifoStdio } from './fifo-stdio.js';
import { watchExitLine } from './exit-line.js';
import { engineSharesHostFiles, hostFilesFolder, writeHostFiles, type HostFiles } from './host-files.js';
import { invocationArgs, invocationDirPrefix, invocationFiles, type InvocationFile } from './invocation-files.js';
import { tarFiles } from './tar.js';
import type { ConnectorExit, ConnectorInvocation, ConnectorProcess, Launcher } from './types.js';

/**
 * How a connector's container started: kept warm since an earlier run, started ahead of the
 * run (while the runner loaded), or created by the run when it needed it.
 */
export type ContainerStart = 'warm' | 'early' | 'created';

/** Options of {@link DockerLauncher}. */
export interface DockerLauncherOptions {
  /** Image to run, e.g. "backflow/destination-postgres:0.1.0". It is never pulled. */
  image: string;
  /** Overrides the image's `io.backflow.network` label; default: the label, else "none". */
  network?: 'none' | 'host';
  /** Memory limit; default 2048 MiB. */
  memoryMb?: number;
  /** CPU limit in cores, e.g. 1.5; default: no limit. */
  cpus?: number;
  /** Size of the writable tmpfs at /tmp; default 64 MiB. */
  tmpfsMb?: number;
  /** Time between SIGTERM and SIGKILL when stopping (whole seconds); default 10 000 ms. */
  stopGraceMs?: number;
  /** Value of the `io.backflow.run` label on this launcher's containers; default: a new UUID. */
  runId?: string;
  /** Docker client; default: `new Docker()` (DOCKER_HOST or the local socket). */
  docker?: Docker;
  /**
   * Host directories or files the connector may use (a DuckDB file, an output folder), each
   * mounted at the same absolute path, so a config's paths mean the same in a container as in
   * a process. Relative paths resolve against `workingDir`. Paths a config names in fields its
   * spec marks `backflow_path` are mounted without being listed (see {@link mountConfigPaths}).
   */
  mounts?: readonly { path: string; readOnly?: boolean }[];
  /**
   * The container's working directory (the connection file's folder, as for a process), against
   * which relative paths resolve; default the runner's cwd.
   */
  workingDir?: string;
  /** Who the container runs as; default {@link containerUser}: the caller, or nobody for root. */
  user?: ContainerUser;
  /** The sync's plans' folder and the containers started for it ahead (see early-containers.ts); none by default. */
  early?: EarlyStart;
}

/**
 * Where the invocation's files appear inside the container: mounted from a folder of the host,
 * or copied into an anonymous volume.
 */
export const CONTAINER_FILES_DIR = '/run/backflow';

const DEFAULT_MEMORY_MB = 2048;
const DEFAULT_TMPFS_MB = 64;
const DEFAULT_STOP_GRACE_MS = 10_000;
const MIB = 1024 * 1024;

/**
 * Runs connectors as Docker containers: as the caller's uid (nobody for root), read-only root filesystem, no capabilities,
 * no network unless the image asks for the host's, memory- and CPU-limited, and labelled so
 * {@link removeStaleContainers} can clean up after a crash. The engine removes a container as
 * soon as it exits (AutoRemove); {@link containersRemoved} resolves once the run has nothing
 * more to wait for.
 */
export class DockerLauncher implements Launcher {
  readonly kind = 'docker';
  readonly image: string;
  readonly runId: string;
  private docker: Promise<Docker> | undefined;
  private imageLabels: Promise<Record<string, string>> | undefined;
  private hostFilesRefused = false;
  private configSpec: unknown;
  private readonly starts = new Map<string, ContainerStart>();

  constructor(private readonly options: DockerLauncherOptions) {
    this.image = options.image;
    this.runId = options.runId ?? randomUUID();
    // A launcher is made to be started: loading the client and reading the image's labels
    // (when they are needed) begin now, while the run opens its store and reads its caches,
    // not when the first container is wanted. Their failures are reported by start().
    this.labels().catch(() => undefined);
  }

  /** How the last container of `command` (`read`, `write`…) started, if one did. */
  startOf(command: string): ContainerStart | undefined {
    return this.starts.get(command);
  }

  /**
   * From now on, each invocation's `config` is searched for the paths `connectionSpecification`
   * marks `backflow_path`, and those are mounted (read-only for "read", read-write for "write").
   */
  mountConfigPaths(connectionSpecification: unknown): void {
    this.configSpec = connectionSpecification;
  }

  async start(invocation: ConnectorInvocation): Promise<ConnectorProcess> {
    const files = invocationFiles(invocation);
    await containerComing();
    let created: CreatedContainer;
    try {
      const [docker, network, fifo, mounts, argsPipe, waits] = await Promise.all([
        this.client(),
        this.networkOf(invocation.name),
        this.takesFifoStdio(invocation.name),
        this.mountsFor(invocation),
        this.takesArgsPipe(invocation.name),
        this.waitsForArgs(invocation.name),
      ]);
      const planFile =
        fifo && argsPipe && !this.hostFilesRefused && engineSharesHostFiles(docker)
          ? earlyPlanFile(this.options.early, invocation.name, invocation.command)
          : undefined;
      const plan = planFile === undefined ? undefined : this.earlyPlan(invocation, network, mounts, waits);
      if (planFile !== undefined && plan) {
        const early = takeEarlyContainer(this.options.early!, planFile);
        const adopted = await this.adopt(docker, early, plan, invocation, files);
        if (adopted) {
          void earlyPlanUsed(planFile);
          this.starts.set(invocation.command, early?.warm ? 'warm' : 'early');
          return adopted;
        }
      }
      created = await this.create(docker, invocation, network, files, mounts, fifo);
      this.starts.set(invocation.command, 'created');
      // Kept for the next run while this one goes on (it never fails the run).
      if (planFile !== undefined && plan && created.hostFiles) void keepEarlyPlan(planFile, plan);
    } catch (error) {
      containerGone();
      throw error;
    }
    const { container, hostFiles, fifos } = created;
    // Attaching and copying the files in (when they are not mounted) are independent: both go
    // out at once, then start. Stderr is always attached: it carries only log lines.
    const attached = container.attach({
      stream: true,
      hijack: true,
      stdin: !fifos,
      stdout: !fifos,
      stderr: true,
    }) as Promise<unknown> as Promise<Duplex>;
    // The engine's wait is no longer needed once the connector's exit line has come, and the
    // runner could not exit while it is open.
    const waitAborts = new AbortController();
    try {
      const [socket] = await Promise.all([
        attached,
        files.length > 0 && !hostFiles
          ? container.putArchive(tarFiles(files.map((f) => ({ name: f.fileName, content: f.content, mode: 0o444 }))), {
              path: CONTAINER_FILES_DIR,
            })
          : undefined,
      ]);
      // Asked before start, as `docker run --rm` asks it: the engine removes the container as it
      // exits, after which there would be nothing left to wait for, not even its exit code.
      const removedWait = container.wait({ condition: 'removed', abortSignal: waitAborts.signal }) as Promise<{
        StatusCode: number;
      }>;
      removedWait.catch(() => undefined);
      await container.start();
      const gracePeriodMs = this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
      return new ContainerConnectorProcess(created, socket, gracePeriodMs, {
        removed: removedWait,
        aborts: waitAborts,
      });
    } catch (error) {
      // Nothing will wait for this container: an open wait would keep the runner from exiting.
      waitAborts.abort();
      attached.then(
        (socket) => socket.destroy(),
        () => undefined,
      );
      created.fifos?.destroy();
      await removeOwnContainer(created).catch(() => undefined);
      throw dockerError(error, `${invocation.name}: could not start ${this.image}`);
    }
  }

  /**
   * Creates the container with the invocation's files mounted from a private folder of the host
   * when the engine shares the host's files: copying them in (`putArchive`) costs the engine a
   * process of its own and 0.1–0.3 s before the container can start. An engine that refuses the
   * mount gets them copied in, from then on. When the image `takesFifo`, its stdin and stdout
   * are named pipes in that folder (see {@link openFifoStdio}); without the folder, attached.
   */
  private async create(
    docker: Docker,
    invocation: ConnectorInvocation,
    network: 'none' | 'host',
    files: InvocationFile[],
    mounts: readonly ContainerMount[],
    takesFifo: boolean,
  ): Promise<CreatedContainer> {
    const mountFiles = (files.length > 0 || takesFifo) && !this.hostFilesRefused && engineSharesHostFiles(docker);
    const hostFiles = mountFiles ? await hostFilesFolder() : undefined;
    const fifo = !!hostFiles && takesFifo;
    const exitToken = fifo ? randomBytes(8).toString('hex') : undefined;
    const spec = this.containerSpec(invocation, network, files, mounts, hostFiles, exitToken);
    // The engine creates the container while the files and pipes go into the folder.
    const [created, filled] = await Promise.allSettled([
      docker.createContainer(spec),
      hostFiles ? fillHostFiles(hostFiles, files, fifo) : undefined,
    ]);
    if (created.status === 'fulfilled' && filled.status === 'fulfilled') {
      return { container: created.value, hostFiles, fifos: filled.value, exitToken };
    }
    if (filled.status === 'fulfilled') filled.value?.destroy();
    if (created.status === 'fulfilled') await removeContainer(created.value).catch(() => undefined);
    await hostFiles?.remove();
    const error: unknown = created.status === 'rejected' ? created.reason : (filled as PromiseRejectedResult).reason;
    const status = dockerStatus(error);
    if (status === 404) throw imageNotFound(this.image, error);
    if (hostFiles && status !== undefined) {
      this.hostFilesRefused = true;
      return this.create(docker, invocation, network, files, mounts, takesFifo);
    }
    throw dockerError(error, `${invocation.name}: could not create a container from ${this.image}`);
  }

  /**
   * Adopts the container started early for this command (see early-containers.ts) when it was
   * created with the very options this run would use; undefined, and the container removed,
   * when it was not, or could not start: the run then creates its own. Once the engine has
   * created it, its files are written, the runner's ends of its pipes opened, its stderr
   * attached (it prints nothing before) and its command line put in its pipe, while the engine
   * may still be starting it: the connector goes on as soon as it is up.
   */
  private async adopt(
    docker: Docker,
    early: EarlyContainer | undefined,
    plan: EarlyPlan,
    invocation: ConnectorInvocation,
    files: InvocationFile[],
  ): Promise<ConnectorProcess | undefined> {
    if (!early) return undefined;
    if (early.template !== JSON.stringify(plan.options)) {
      void removeEarlyContainer(docker, early);
      return undefined;
    }
    let container: Docker.Container;
    let socket: Duplex;
    try {
      container = docker.getContainer(await early.created);
      await writeHostFiles({ dir: early.filesDir, remove: () => releaseEarlyContainer(early) }, files);
      socket = (await container.attach({
        stream: true,
        hijack: true,
        stdin: false,
        stdout: false,
        stderr: true,
      })) as unknown as Duplex;
    } catch {
      void removeEarlyContainer(docker, early);
      return undefined;
    }
    const waitAborts = new AbortController();
    const removedWait = container.wait({ condition: 'removed', abortSignal: waitAborts.signal }) as Promise<{
      StatusCode: number;
    }>;
    removedWait.catch(() => undefined);
    const fifos = withArgsPipe(openFifoEnds(early.filesDir), early);
    const args = invocationArgs(invocation, files, (name) => posix.join(CONTAINER_FILES_DIR, name));
    writeSync(early.argsFd, `${JSON.stringify(args)}\n`);
    try {
      await early.started;
    } catch {
      // It never ran: what was given to it goes with it.
      waitAborts.abort();
      socket.destroy();
      fifos.destroy();
      void removeEarlyContainer(docker, early);
      return undefined;
    }
    const created: CreatedContainer = {
      container,
      hostFiles: { dir: early.filesDir, remove: () => releaseEarlyContainer(early) },
      fifos,
      exitToken: early.exitToken,
    };
    const gracePeriodMs = this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    return new ContainerConnectorProcess(created, socket, gracePeriodMs, { removed: removedWait, aborts: waitAborts });
  }

  /**
   * The plan of this command's container for the next run of the same sync, which starts it
   * before the runner loads: the options this run creates it with, with placeholders for what
   * differs from run to run, its command line left to the pipe named in BACKFLOW_ARGS.
   */
  private earlyPlan(
    invocation: ConnectorInvocation,
    network: 'none' | 'host',
    mounts: readonly ContainerMount[],
    waits: boolean,
  ): EarlyPlan {
    const {
      name,
      Cmd: _command,
      ...options
    } = this.containerSpec(
      invocation,
      network,
      [],
      mounts,
      { dir: '{{files}}', remove: () => Promise.resolve() },
      '{{exit-token}}',
    );
    return {
      options: {
        ...options,
        Env: [...(options.Env ?? []), `${ARGS_ENV}=${posix.join(CONTAINER_FILES_DIR, FIFO_NAMES.args)}`],
        Labels: { ...options.Labels, [LABELS.run]: '{{run}}', [LABELS.owner]: ownerLabel('{{pid}}') },
      },
      namePrefix: name!.slice(0, name!.lastIndexOf('-') + 1),
      ownerFile: ownerFile(tmpdir(), '{{pid}}'),
      dirPrefix: join(tmpdir(), invocationDirPrefix('{{pid}}')),
      fifos: [FIFO_NAMES.stdin, FIFO_NAMES.stdout, FIFO_NAMES.args],
      argsFifo: FIFO_NAMES.args,
      ...(waits ? { waits } : {}),
    };
  }

  private client(): Promise<Docker> {
    this.docker ??= this.options.docker ? Promise.resolve(this.options.docker) : dockerClient();
    return this.docker;
  }

  /** The network the image asks for, unless the connection sets it. */
  private async networkOf(name: string): Promise<'none' | 'host'> {
    if (this.options.network) return this.options.network;
    const { image } = this.options;
    const label = (await this.labelsFor(name))[LABELS.network] ?? 'none';
    if (label !== 'none' && label !== 'host') {
      throw new LauncherError(
        'INVALID_INVOCATION',
        `${name}: image ${image} has ${LABELS.network}="${label}"; expected "none" or "host"`,
      );
    }
    return label;
  }

  /** Whether the image's connector can start early and take its command line from a pipe (see early-start.cts). */
  private async takesArgsPipe(name: string): Promise<boolean> {
    return (await this.labelsFor(name))[LABELS.args] === 'fifo';
  }

  /** Whether the image's connector can wait for its command line, so that its containers can be kept warm (early-start.cts). */
  private async waitsForArgs(name: string): Promise<boolean> {
    return (await this.labelsFor(name))[LABELS.argsWait] === 'true';
  }

  /** Whether the image's connector takes its stdin and stdout as named pipes (see {@link openFifoStdio}). */
  private async takesFifoStdio(name: string): Promise<boolean> {
    return (await this.labelsFor(name))[LABELS.stdio] === 'fifo';
  }

  private async labelsFor(name: string): Promise<Record<string, string>> {
    const { image } = this.options;
    try {
      return await this.labels();
    } catch (error) {
      if (dockerStatus(error) === 404) throw imageNotFound(image, error);
      throw dockerError(error, `${name}: could not inspect ${image}`);
    }
  }

  /** The image's labels, read once per launcher (a failed read is tried again by the next start). */
  private labels(): Promise<Record<string, string>> {
    this.imageLabels ??= this.client()
      .then(async (docker) => (await docker.getImage(this.options.image).inspect()).Config?.Labels ?? {})
      .catch((error: unknown) => {
        this.imageLabels = undefined;
        throw error;
      });
    return this.imageLabels;
  }

  private async mountsFor(invocation: ConnectorInvocation): Promise<ContainerMount[]> {
    const workingDir = this.workingDir();
    const listed = (this.options.mounts ?? []).map((m) => ({
      path: resolve(workingDir, m.path),
      readOnly: !!m.readOnly,
    }));
    const config = invocation.files?.['config'];
    if (this.configSpec === undefined || config === undefined) return listed;
    const found = await containerMounts(configPaths(this.configSpec, config), {
      workingDir,
      user: this.user(),
      connector: invocation.name,
    });
    // A path listed in the connection file keeps the access given there.
    return [...listed, ...found.filter((m) => !listed.some((l) => l.path === m.path))];
  }

  private workingDir(): string {
    return this.options.workingDir ?? process.cwd();
  }

  private user(): ContainerUser {
    return this.options.user ?? containerUser();
  }

  private containerSpec(
    invocation: ConnectorInvocation,
    network: 'none' | 'host',
    files: InvocationFile[],
    mounts: readonly ContainerMount[],
    hostFiles: HostFiles | undefined,
    exitToken: string | undefined,
  ): Docker.ContainerCreateOptions {
    const fifos = exitToken !== undefined;
    const workingDir = this.workingDir();
    const binds = mounts.map((m) => `${m.path}:${m.path}:${m.readOnly ? 'ro' : 'rw'}`);
    const user = this.user();
    return {
      name: `backflow-${connectorSlug(invocation.name)}-${randomBytes(4).toString('hex')}`,
      Image: this.options.image,
      Cmd: invocationArgs(invocation, files, (name) => posix.join(CONTAINER_FILES_DIR, name)),
      Env: [
        ...Object.entries(invocation.env ?? {}).map(([key, value]) => `${key}=${value}`),
        ...(fifos
          ? [
              `${STDIO_ENV.stdin}=${posix.join(CONTAINER_FILES_DIR, FIFO_NAMES.stdin)}`,
              `${STDIO_ENV.stdout}=${posix.join(CONTAINER_FILES_DIR, FIFO_NAMES.stdout)}`,
              `${EXIT_LINE_ENV}=${exitToken}`,
            ]
          : []),
      ],
      User: `${user.uid}:${user.gid}`,
      Labels: {
        [LABELS.managed]: 'true',
        [LABELS.run]: this.runId,
        [LABELS.owner]: ownerLabel(),
        [LABELS.connector]: invocation.name,
      },
      AttachStdin: !fifos,
      AttachStdout: !fifos,
      AttachStderr: true,
      OpenStdin: !fifos,
      StdinOnce: !fifos,
      Tty: false,
      ...(binds.length > 0 || this.options.workingDir !== undefined ? { WorkingDir: workingDir } : {}),
      // Files not mounted from the host go into an anonymous volume: `putArchive` fills it
      // before start, and `remove({ v: true })` deletes it with the container.
      ...(files.length > 0 && !hostFiles ? { Volumes: { [CONTAINER_FILES_DIR]: {} } } : {}),
      HostConfig: {
        NetworkMode: network,
        // No log driver: the engine would otherwise copy every byte of stdout and stderr into
        // a JSON log file (most of its CPU on a large sync, and the connector's output on disk).
        LogConfig: { Type: 'none', Config: {} },
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${this.options.tmpfsMb ?? DEFAULT_TMPFS_MB}m` },
        Memory: (this.options.memoryMb ?? DEFAULT_MEMORY_MB) * MIB,
        ...(this.options.cpus ? { NanoCpus: Math.round(this.options.cpus * 1e9) } : {}),
        ...(binds.length > 0 ? { Binds: binds } : {}),
        ...(hostFiles
          ? { Mounts: [{ Type: 'bind' as const, Source: hostFiles.dir, Target: CONTAINER_FILES_DIR, ReadOnly: true }] }
          : {}),
        // Removed by the engine as soon as it exits, also when the runner is gone by then: the
        // run does not wait for a removal of its own after the connector's exit line.
        AutoRemove: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        // A tiny init as PID 1 forwards SIGTERM to node (PID 1 itself would ignore it).
        Init: true,
      },
    };
  }
}

class ContainerConnectorProcess implements ConnectorProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly exit: Promise<ConnectorExit>;
  private exited = false;
  private printedExitLine = false;
  private stopReason: string | undefined;
  private removed: Promise<void> | undefined;

  private readonly container: Docker.Container;

  constructor(
    private readonly created: CreatedContainer,
    private readonly socket: Duplex,
    private readonly gracePeriodMs: number,
    private readonly engineWait: { removed: Promise<{ StatusCode: number }>; aborts: AbortController },
  ) {
    this.container = created.container;
    const { fifos, exitToken } = created;
    const { stdout, stderr } = demuxAttachStream(socket);
    const exitLine = exitToken === undefined ? undefined : watchExitLine(stderr, exitToken);
    this.stdin = fifos?.stdin ?? attachStdin(socket);
    this.stdout = fifos?.stdout ?? stdout;
    this.stderr = exitLine?.stderr ?? stderr;
    this.exit = this.waitForExit(exitLine?.code);
    void (exitLine?.code ?? Promise.resolve(undefined))
      .then((code) => {
        this.printedExitLine = code !== undefined;
        if (this.printedExitLine) engineWait.aborts.abort();
        return this.remove();
      })
      .catch(() => undefined);
  }

  async stop(reason = 'stopped'): Promise<void> {
    if (!this.exited) {
      this.stopReason ??= reason;
      try {
        await this.container.stop({ t: Math.ceil(this.gracePeriodMs / 1000) });
      } catch (error) {
        // 304: already stopped; 404: already gone.
        const status = dockerStatus(error);
        if (status !== 304 && status !== 404) throw dockerError(error, 'could not stop the container');
      }
    }
    await this.exit;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const exitedByItself = this.exited && this.stopReason === undefined;
    try {
      await this.stop('disposed');
    } finally {
      this.stdin.destroy();
      this.socket.destroy();
      this.created.fifos?.destroy();
      const removed = this.remove();
      // A connector that ended by itself is removed while the run goes on (by the engine after
      // its exit line; containersRemoved() waits for the rest); one stopped here is gone when
      // dispose returns.
      if (!exitedByItself) await removed;
    }
  }

  /**
   * The connector's exit line gives its code as soon as it exits; the engine's wait, which
   * answers later, stands in when there is none (a crash, a signal, an image without the SDK).
   */
  private async waitForExit(lineCode: Promise<number | undefined> | undefined): Promise<ConnectorExit> {
    const waited = this.waitForContainer();
    // Once the line has answered, how the wait ends does not matter.
    waited.catch(() => undefined);
    let statusCode: number;
    try {
      statusCode = (lineCode && (await Promise.race([lineCode, waited]))) ?? (await waited);
    } finally {
      this.exited = true;
      this.created.fifos?.containerExited();
    }
    return {
      ...exitFromStatus(statusCode),
      ...(this.stopReason === undefined ? {} : { stopReason: this.stopReason }),
    };
  }

  private async waitForContainer(): Promise<number> {
    try {
      return (await this.engineWait.removed).StatusCode;
    } catch (error) {
      // Removed under us (say by removeStaleContainers): it was killed.
      if (dockerStatus(error) !== 404) throw dockerError(error, 'lost the container while waiting for it');
      return 128 + constants.signals.SIGKILL;
    }
  }

  /**
   * After its exit line the connector exits by itself and the engine removes the container:
   * only its folder is left to remove (what it printed stays readable in the pipes the runner
   * holds). Otherwise the engine's wait reports the removal, or the container is removed here
   * when that wait failed.
   */
  private remove(): Promise<void> {
    this.removed ??= this.printedExitLine
      ? trackRemoval(this.created.hostFiles?.remove())
      : trackRemoval(
          this.engineWait.removed.then(
            () => this.created.hostFiles?.remove(),
            () => removeContainerAndFiles(this.created),
          ),
        );
    return this.removed;
  }
}

/** Removals of this process's containers still under way, and those that failed. */
const removing = new Set<Promise<void>>();
const failedRemovals: unknown[] = [];

/**
 * A container this process created, the host folder its files are mounted from, its pipes, and
 * the token of the exit line its connector prints (given with the pipes: an SDK that takes them
 * prints it).
 */
interface CreatedContainer {
  container: Docker.Container;
  hostFiles: HostFiles | undefined;
  fifos: FifoStdio | undefined;
  exitToken: string | undefined;
}

/** Writes the invocation's files into its folder, then makes and opens its pipes when it takes them. */
async function fillHostFiles(
  hostFiles: HostFiles,
  files: readonly InvocationFile[],
  fifo: boolean,
): Promise<FifoStdio | undefined> {
  await writeHostFiles(hostFiles, files);
  return fifo ? openFifoStdio(hostFiles.dir) : undefined;
}

/** The pipes of a container started early, with the runner's end of its command-line pipe, closed with them. */
function withArgsPipe(fifos: FifoStdio, early: EarlyContainer): FifoStdio {
  return {
    stdin: fifos.stdin,
    stdout: fifos.stdout,
    containerExited() {
      fifos.containerExited();
      closeArgsPipe(early);
    },
    destroy() {
      fifos.destroy();
      closeArgsPipe(early);
    },
  };
}

/** Removes a container started early that no connector adopted (or could), then its folder; counted until both are gone. */
function removeEarlyContainer(docker: Docker, early: EarlyContainer): Promise<void> {
  return trackRemoval(
    containerComing().then(() =>
      early.started
        .then(
          (id) => removeContainer(docker.getContainer(id)),
          () => undefined,
        )
        .finally(() => releaseEarlyContainer(early)),
    ),
  );
}

/** Removes a container this process created, then its files' folder; counted until both are gone. */
function removeOwnContainer(created: CreatedContainer): Promise<void> {
  return trackRemoval(removeContainerAndFiles(created));
}

async function removeContainerAndFiles({ container, hostFiles }: CreatedContainer): Promise<void> {
  await removeContainer(container);
  await hostFiles?.remove();
}

/** Counts a container as gone once `removal` is done; containersRemoved() waits for it until then. */
function trackRemoval(removal: Promise<void> | undefined): Promise<void> {
  const tracked = Promise.resolve(removal).then(containerGone);
  removing.add(tracked);
  tracked.catch((error: unknown) => failedRemovals.push(error)).finally(() => removing.delete(tracked));
  return tracked;
}

/**
 * Resolves once the removals this process waits for are done: of each container of `early`
 * (a sync's, see early-containers.ts) that no connector adopted, of each container that ended
 * without its exit line, or was stopped (the engine's own removal of one that printed it is not
 * waited for; it exits by itself right after); rejects with the first removal that failed since
 * the last call.
 */
export async function containersRemoved(early?: EarlyStart): Promise<void> {
  const unadopted = takeUnadoptedContainers(early);
  if (unadopted.length > 0) {
    const docker = await dockerClient();
    await Promise.all(unadopted.map((container) => removeEarlyContainer(docker, container)));
  }
  while (removing.size > 0) await Promise.allSettled([...removing]);
  const failed = failedRemovals.splice(0);
  if (failed.length > 0) throw failed[0];
}

/** Force-removes a container and its anonymous volumes; a container already gone is fine. */
export async function removeContainer(container: Docker.Container): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch (error) {
    // 404: already removed; 409: removal already in progress.
    const status = dockerStatus(error);
    if (status !== 404 && status !== 409) throw dockerError(error, 'could not remove the container');
  }
}

/**
 * The container's init exits with 128 + N when the connector died of signal N, like a shell;
 * report that the way a child process reports it.
 */
function exitFromStatus(statusCode: number): Pick<ConnectorExit, 'code' | 'signal'> {
  if (statusCode > 128) {
    const signal = Object.entries(constants.signals).find(([, n]) => n === statusCode - 128)?.[0];
    if (signal) return { code: null, signal };
  }
  return { code: statusCode, signal: null };
}
