import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { validateWith, type ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { formatReport, runAcceptance } from '../acceptance/index.js';
import { ConfigurationError, EXIT_CODES, RunnerError } from '../errors.js';
import { resolveConnector, type ConnectorRef } from '../launchers/index.js';

interface TestConnectorOptions {
  image?: string;
  command?: string;
  executor: 'process' | 'docker';
  config?: string;
  catalog?: string;
  json?: boolean;
  timeout: string;
}

const HELP = `
Checks, one line each with the reason: spec (valid JSON Schema, secrets marked, official
message schema), check (succeeds with --config, fails cleanly on broken configs), discover
(valid catalog and schemas), read (configured streams only, records valid, every state
resumes exactly) or write (empty input, states echoed in order, a bad record rejected alone),
and over every command: nothing on stdout but protocol messages, no secret printed.

Exit codes: 0 every check passed (some may be skipped), 1 a check failed, 2 invalid usage.

Examples:
  runner test-connector source-postgres --config pg.json
  runner test-connector ./connectors/destination-acme --config acme.json --json
  runner test-connector --image backflow/source-duckdb:0.1.0 --config duck.json
  runner test-connector --command "python main.py" --config secrets/config.json`;

/** `runner test-connector <connector>`: the acceptance checks, as text lines or JSON. */
export function testConnectorCommand(setExit: (code: number) => void) {
  return new Command('test-connector')
    .description('run the acceptance checks against a connector (ours or any Airbyte-protocol connector)')
    .argument(
      '[connector]',
      'a connector package in connectors/ (source-postgres) or a package folder (./my-connector)',
    )
    .option('--image <image>', 'test a Docker image instead')
    .option('--command <command>', 'test a local program that speaks the Airbyte protocol')
    .addOption(
      new Option('--executor <executor>', 'how to run a connector package')
        .choices(['process', 'docker'])
        .default('process'),
    )
    .option('--config <file>', 'a working connector config (JSON or YAML)')
    .option('--catalog <file>', 'the configured catalog to read or write (default: derived from discover)')
    .option('--timeout <seconds>', 'longest one connector command may run', '300')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', HELP)
    .action(async (connector: string | undefined, options: TestConnectorOptions) => {
      try {
        setExit(await run(connector, options));
      } catch (error) {
        process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        setExit(error instanceof RunnerError ? error.exitCode : EXIT_CODES.failed);
      }
    });
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
