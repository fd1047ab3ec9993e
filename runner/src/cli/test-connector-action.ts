import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { validateWith, type ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { parse as parseYaml } from 'yaml';
import { formatReport, runAcceptance } from '../acceptance/index.js';
import { ConfigurationError, EXIT_CODES, RunnerError } from '../errors.js';
import { resolveConnector, type ConnectorRef } from '../launchers/index.js';

export interface TestConnectorOptions {
  image?: string;
  command?: string;
  executor: 'process' | 'docker';
  config?: string;
  catalog?: string;
  json?: boolean;
  timeout: string;
}

/** Runs `runner test-connector` and prints the report; returns the exit code. */
export async function runTestConnector(connector: string | undefined, options: TestConnectorOptions): Promise<number> {
  try {
    return await run(connector, options);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof RunnerError ? error.exitCode : EXIT_CODES.failed;
  }
}

async function run(connector: string | undefined, options: TestConnectorOptions): Promise<number> {
  const given = [connector, options.image, options.command].filter((v) => v !== undefined);
  if (given.length !== 1) throw new ConfigurationError('give exactly one of <connector>, --image or --command');
  const timeout = Number(options.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new ConfigurationError('--timeout must be a positive number of seconds');
  const { ref, connectorsDir } = await refFor(connector, options);
  const launcher = await resolveConnector(ref, {
    executor: options.executor,
    ...(connectorsDir ? { connectorsDir } : {}),
  });
  const config = options.config ? await readDocument(options.config, '--config') : undefined;
  const catalog = options.catalog ? await readCatalog(options.catalog) : undefined;
  const report = await runAcceptance({
    launcher,
    name: options.image ?? options.command ?? connector!,
    ...(config !== undefined ? { config } : {}),
    ...(catalog ? { catalog } : {}),
    timeoutMs: timeout * 1000,
  });
  process.stdout.write((options.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
  return report.failed === 0 ? EXIT_CODES.success : EXIT_CODES.failed;
}

/** A package name runs from connectors/; a path to a package folder runs from its parent folder. */
async function refFor(
  connector: string | undefined,
  options: TestConnectorOptions,
): Promise<{ ref: ConnectorRef; connectorsDir?: string }> {
  if (options.image) return { ref: { image: options.image } };
  if (options.command) return { ref: { command: options.command } };
  const name = connector!;
  if (!name.includes('/') || name.startsWith('@')) return { ref: { name } };
  const folder = resolve(name);
  if (!(await stat(folder).catch(() => undefined))?.isDirectory()) {
    throw new ConfigurationError(`${name} is not a connector package folder`);
  }
  return { ref: { name: basename(folder) }, connectorsDir: dirname(folder) };
}

async function readDocument(file: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    return parseYaml(text);
  } catch {
    throw new ConfigurationError(`${flag} ${file} is neither JSON nor YAML`);
  }
}

async function readCatalog(file: string): Promise<ConfiguredAirbyteCatalog> {
  const value = await readDocument(file, '--catalog');
  try {
    return validateWith<ConfiguredAirbyteCatalog>('ConfiguredAirbyteCatalog', value, `--catalog ${file}`);
  } catch (error) {
    throw new ConfigurationError(`invalid --catalog: ${(error as Error).message}`);
  }
}
