import { hostname } from 'node:os';

/** Labels Backflow reads on connector images and writes on the containers it starts. */
export const LABELS = {
  /** On every container Backflow starts: "true". */
  managed: 'io.backflow.managed',
  /** On containers: the launcher's run id. */
  run: 'io.backflow.run',
  /** On containers: `<hostname>/<pid>` of the runner that started it. */
  owner: 'io.backflow.owner',
  /** On images and containers: the connector's name. */
  connector: 'io.backflow.connector',
  /** On images: the connector's package version. */
  version: 'io.backflow.version',
  /** On images: "host" when the connector needs the network, else "none". */
  network: 'io.backflow.network',
  /**
   * On images: "fifo" when the connector takes its stdin and stdout as named pipes given in
   * BACKFLOW_STDIN/BACKFLOW_STDOUT (the SDK does); else they are attached.
   */
  stdio: 'io.backflow.stdio',
  /**
   * On images: "fifo" when the connector can be started before its run and take its command
   * line from the named pipe given in BACKFLOW_ARGS (the SDK can; see early-start.cts).
   */
  args: 'io.backflow.args',
  /**
   * On images: "true" when the connector, started before any run, can wait for its command
   * line as long as BACKFLOW_ARGS_WAIT_MS says with nobody holding the pipe (the SDK can), so
   * that its containers can be kept warm (`runner sync --keep-warm`).
   */
  argsWait: 'io.backflow.args-wait',
} as const;

/** The value of the owner label for containers started by this process (or by the one `pid` will stand for). */
export function ownerLabel(pid: number | string = process.pid): string {
  return `${hostname()}/${pid}`;
}

/**
 * A connector's name as it goes into container and plan file names: `@backflow/source-postgres`
 * gives `backflow-source-postgres`.
 */
export function connectorSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '');
}
