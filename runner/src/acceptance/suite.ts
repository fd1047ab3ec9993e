import {
  compileConfigSchema,
  type AirbyteMessage,
  type ConfiguredAirbyteCatalog,
  type ConnectorSpecification,
} from '@backflow/protocol';
import { collectSecrets } from '@backflow/protocol/connector';
import type { Launcher } from '../launchers/index.js';
import { brokenCheck, brokenConfigs, goodCheck, noBrokenConfig } from './check-checks.js';
import { destinationDiscoverChecks, sourceDiscoverChecks } from './discover-checks.js';
import { invoke, type InvokeRequest, type Transcript } from './invoke.js';
import { secretsCheck, stdoutCheck } from './output-checks.js';
import { catalogFromDiscover, readChecks, resumeCheck } from './read-checks.js';
import { excerpt, fail, skip, type CheckResult } from './result.js';
import { specChecks } from './spec-checks.js';
import { catalogFromDestination, genericCatalog, writeChecks } from './write-checks.js';

export interface AcceptanceOptions {
  readonly launcher: Launcher;
  /** Shown in errors and logs. */
  readonly name: string;
  /** A config that works; without one only `spec` and the broken-config checks run. */
  readonly config?: unknown;
  /** The configured catalog to read or write; by default derived from `discover`. */
  readonly catalog?: ConfiguredAirbyteCatalog;
  /** Longest a single connector command may run (default 5 minutes). */
  readonly timeoutMs?: number;
}

export interface AcceptanceReport {
  readonly connector: string;
  readonly kind: 'source' | 'destination' | 'unknown';
  readonly checks: readonly CheckResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

/**
 * Runs the acceptance checks against any connector the runner can start (a package, an
 * image, a command; ours or anybody's Airbyte connector): spec, check (good and broken
 * configs), discover, read with resumes (sources) or write (destinations), and over every
 * command run, stdout hygiene and secrets.
 */
export async function runAcceptance(options: AcceptanceOptions): Promise<AcceptanceReport> {
  const timeout = options.timeoutMs ?? 300_000;
  const transcripts: Transcript[] = [];
  const run = async (request: InvokeRequest) => {
    const transcript = await invoke(options.launcher, options.name, request, timeout);
    transcripts.push(transcript);
    return transcript;
  };
  const checks: CheckResult[] = [];
  const { results, spec } = specChecks(await run({ command: 'spec' }));
  checks.push(...results);
  let kind: AcceptanceReport['kind'] = 'unknown';
  if (spec) {
    kind = spec.supported_destination_sync_modes !== undefined ? 'destination' : 'source';
    const broken = brokenConfigs(spec, options.config);
    if (broken.length === 0) checks.push(noBrokenConfig());
    for (const { label, config } of broken) {
      checks.push(brokenCheck(label, await run({ command: 'check', files: { config } })));
    }
    if (options.config === undefined) {
      checks.push(
        skip('check: succeeds with the given config', 'no --config given; discover, read and write need one'),
      );
    } else {
      const invalid = compileConfigSchema(spec.connectionSpecification).check(options.config, 'config');
      if (invalid) {
        checks.push(fail('config: the given config is valid against the spec', excerpt(invalid.message)));
      } else {
        const config = options.config;
        checks.push(goodCheck(await run({ command: 'check', files: { config } })));
        if (kind === 'source') checks.push(...(await sourceChecks(run, config, options.catalog)));
        else checks.push(...(await destinationChecks(run, spec, config, options.catalog)));
      }
    }
  }
  checks.push(stdoutCheck(transcripts));
  const secrets = spec ? collectSecrets(spec.connectionSpecification, options.config) : [];
  checks.push(
    secretsCheck(
      transcripts,
      secrets.filter((secret) => secret.length >= 4),
    ),
  );
  const count = (status: CheckResult['status']) => checks.filter((check) => check.status === status).length;
  return {
    connector: options.name,
    kind,
    checks,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
  };
}

type Run = (request: InvokeRequest) => Promise<Transcript>;

async function sourceChecks(run: Run, config: unknown, given: ConfiguredAirbyteCatalog | undefined) {
  const checks: CheckResult[] = [];
  const discovered = sourceDiscoverChecks(await run({ command: 'discover', files: { config } }));
  checks.push(...discovered.results);
  const catalog = given ?? (discovered.catalog ? catalogFromDiscover(discovered.catalog) : undefined);
  if (!catalog) return [...checks, skip('read', 'no catalog: discover failed and no --catalog was given')];
  const full = await run({ command: 'read', files: { config, catalog } });
  checks.push(...readChecks(full, catalog));
  checks.push(
    await resumeCheck(full, catalog, (state) => run({ command: 'read', files: { config, catalog, state: [state] } })),
  );
  return checks;
}

async function destinationChecks(
  run: Run,
  spec: ConnectorSpecification,
  config: unknown,
  given: ConfiguredAirbyteCatalog | undefined,
) {
  const checks: CheckResult[] = [];
  const discovered = destinationDiscoverChecks(await run({ command: 'discover', files: { config } }));
  checks.push(...discovered.results);
  const declared = given ?? (discovered.catalog ? catalogFromDestination(discovered.catalog) : undefined);
  const typed = declared !== undefined && declared.streams.length > 0;
  const catalog = typed ? declared : genericCatalog(spec);
  const write = (input: readonly AirbyteMessage[]) => run({ command: 'write', files: { config, catalog }, input });
  checks.push(...(await writeChecks(catalog, typed, write)));
  return checks;
}
