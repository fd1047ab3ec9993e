import { readFile } from 'node:fs/promises';
import type { AirbyteConnectionStatus } from '@backflow/protocol';
import { loadConnection } from '../connection/load-connection.js';
import { checkConnection, discoverDestination, discoverSource, fetchSpec } from '../connectors/connector-commands.js';
import { resolveLauncher, resolveTarget } from '../connectors/connector-target.js';
import { ConfigurationError, EXIT_CODES, RunnerError, isCredentialProblem } from '../errors.js';
import type { Executor } from '../generated/connection.js';
import { jsonLogSink } from '../report/json-log-sink.js';
import { createReporter } from '../report/reporter.js';
import { prepareSync } from '../sync/prepare-sync.js';
import { parse as parseYaml } from 'yaml';

export interface ConnectorOptions {
  image?: string;
  command?: string;
  executor: Executor;
  connectorsDir?: string;
  refreshConnectors?: boolean;
  config?: string;
  json?: boolean;
}

/** Runs `runner spec|check|discover` and prints the result (or the reason it failed); returns the exit code. */
export async function runConnectorCommand(
  name: 'spec' | 'check' | 'discover',
  connector: string | undefined,
  options: ConnectorOptions,
): Promise<number> {
  const reporter = createReporter([jsonLogSink(process.stderr)]);
  try {
    return await run(name, connector, options, reporter);
  } catch (error) {
    const message = reporter.scrub(error instanceof Error ? error.message : String(error));
    const exitCode = error instanceof RunnerError ? error.exitCode : EXIT_CODES.failed;
    process.stderr.write(`error: ${message}\n`);
    // A script reading --json gets an answer whatever went wrong, with the reason in it.
    if (options.json) process.stdout.write(JSON.stringify({ status: 'FAILED', message, exitCode }, null, 2) + '\n');
    return exitCode;
  }
}

async function run(
  name: 'spec' | 'check' | 'discover',
  connector: string | undefined,
  options: ConnectorOptions,
  reporter: ReturnType<typeof createReporter>,
): Promise<number> {
  if (name === 'check' && connector !== undefined && /\.(ya?ml)$/i.test(connector) && !options.config)
    return checkConnectionFile(connector, options, reporter);
  if (name === 'check' && !options.config)
    throw new ConfigurationError("required option '--config <file>' not specified");
  const given = [connector, options.image, options.command].filter((v) => v !== undefined);
  if (given.length !== 1) throw new ConfigurationError('give exactly one of <connector>, --image or --command');
  const endpoint = options.image
    ? { image: options.image }
    : options.command
      ? { command: options.command }
      : { connector: connector! };
  const resolveOptions = {
    executor: options.executor,
    ...(options.connectorsDir ? { connectorsDir: options.connectorsDir } : {}),
  };
  if (name === 'spec') {
    const target = await resolveLauncher(endpoint, resolveOptions);
    const spec = await fetchSpec(target, reporter);
    return print(spec, options.json, JSON.stringify(spec, null, 2));
  }
  // The config is checked against the spec exactly as `sync` checks it, before anything runs.
  const { spec, config, ...target } = await resolveTarget(
    endpoint,
    await readConfig(options.config!),
    resolveOptions,
    { side: 'connector', file: options.config! },
    reporter,
  );
  if (name === 'check') {
    const status = await checkConnection(target, config, reporter);
    const message = status.message === undefined ? undefined : reporter.scrub(status.message);
    print(
      { ...status, ...(message === undefined ? {} : { message }) },
      options.json,
      `${status.status}${message ? `: ${message}` : ''}`,
    );
    if (status.status === 'SUCCEEDED') return EXIT_CODES.success;
    return isCredentialProblem(status.message ?? '') ? EXIT_CODES.credentials : EXIT_CODES.failed;
  }
  if (spec.supported_destination_sync_modes !== undefined) {
    const catalog = await discoverDestination(target, config, reporter);
    return print(catalog, options.json, catalog.operations.map((o) => `${o.object_name}  ${o.sync_mode}`).join('\n'));
  }
  const catalog = await discoverSource(target, config, reporter);
  const describe = (properties: object | undefined) => Object.keys(properties ?? {}).join(', ');
  const lines = catalog.streams.map(
    (s) => `${s.name}  (${describe((s.json_schema as { properties?: object }).properties)})`,
  );
  return print(catalog, options.json, lines.join('\n'));
}

/**
 * `runner check conn.yaml`: everything `sync` checks before it reads (configs against specs,
 * the streams, primary keys, the mapping against the destination's fields), then both
 * connectors' own checks. No row is read.
 */
async function checkConnectionFile(
  file: string,
  options: ConnectorOptions,
  reporter: ReturnType<typeof createReporter>,
): Promise<number> {
  const connection = await loadConnection(file);
  reporter.addSecrets(connection.envSecrets);
  const prepared = await prepareSync(
    connection,
    {
      executor: connection.executor ?? options.executor,
      ...(options.connectorsDir ? { connectorsDir: options.connectorsDir } : {}),
      ...(options.refreshConnectors ? { refreshConnectors: true } : {}),
    },
    reporter,
  );
  const [source, destination] = await Promise.all(
    [prepared.source, prepared.destination].map((target) => checkConnection(target, target.config, reporter)),
  );
  const ends = { source: source!, destination: destination! };
  const result = {
    status: ends.source.status === 'SUCCEEDED' && ends.destination.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED',
    source: { name: prepared.source.name, ...scrubbed(ends.source, reporter) },
    destination: { name: prepared.destination.name, ...scrubbed(ends.destination, reporter) },
    streams: prepared.streams.map((stream) => ({
      stream: stream.key,
      object: stream.object,
      behaviour: stream.behaviour,
      primary_key: stream.primaryKey.map((path) => path.join('.')),
    })),
  };
  const line = (side: 'source' | 'destination') =>
    `${side} ${result[side].name}: ${result[side].status}${result[side].message ? `: ${result[side].message}` : ''}`;
  const streams = result.streams.map(
    (s) => `stream ${s.stream} → ${s.object} (${s.behaviour}, key ${s.primary_key.join(', ') || 'none'})`,
  );
  print(result, options.json, [line('source'), line('destination'), ...streams, result.status].join('\n'));
  if (result.status === 'SUCCEEDED') return EXIT_CODES.success;
  const failed = [ends.source, ends.destination].filter((end) => end.status !== 'SUCCEEDED');
  return failed.some((end) => isCredentialProblem(end.message ?? '')) ? EXIT_CODES.credentials : EXIT_CODES.failed;
}

function scrubbed(status: AirbyteConnectionStatus, reporter: ReturnType<typeof createReporter>) {
  return { status: status.status, ...(status.message ? { message: reporter.scrub(status.message) } : {}) };
}

function print(value: unknown, json: boolean | undefined, text: string): number {
  process.stdout.write((json ? JSON.stringify(value, null, 2) : text) + '\n');
  return EXIT_CODES.success;
}

async function readConfig(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`cannot read --config ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    return parseYaml(text);
  } catch {
    throw new ConfigurationError(`--config ${file} is neither JSON nor YAML`);
  }
}
