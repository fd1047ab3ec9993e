import type { ConnectorSpecification } from '@backflow/protocol';
import type { Transcript } from './invoke.js';
import { excerpt, fail, pass, skip, type CheckResult } from './result.js';
import { stderrTail } from './spec-checks.js';

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

/** `check` with the config the author gave: CONNECTION_STATUS SUCCEEDED and exit 0. */
export function goodCheck(transcript: Transcript): CheckResult {
  const name = 'check: succeeds with the given config';
  const status = transcript.messages.find((message) => message.connectionStatus)?.connectionStatus;
  if (transcript.exitCode === 0 && status?.status === 'SUCCEEDED') return pass(name, status.message ?? 'SUCCEEDED');
  const why = status ? `${status.status}: ${status.message ?? ''}` : 'no CONNECTION_STATUS';
  return fail(name, `exit code ${transcript.exitCode}, ${excerpt(why)}${stderrTail(transcript)}`);
}

/**
 * Configs that must fail `check`, derived from the spec and the good config: one without
 * its required fields, and the good config with one typed field of the wrong type.
 */
export function brokenConfigs(spec: ConnectorSpecification, config: unknown): { label: string; config: unknown }[] {
  const schema = spec.connectionSpecification as {
    required?: string[];
    properties?: Record<string, { type?: unknown }>;
  };
  const properties = schema.properties ?? {};
  const required = schema.required ?? [];
  const out: { label: string; config: unknown }[] = [];
  if (required.length > 0) out.push({ label: 'no required field', config: {} });
  const given = config && typeof config === 'object' ? (config as Record<string, unknown>) : undefined;
  const typed = (name: string) => [properties[name]?.type ?? []].flat().filter((t) => t !== 'null');
  const field = [...required, ...Object.keys(given ?? {})].find((name) => typed(name).length > 0);
  if (field !== undefined) {
    const wrong = typed(field).includes('string') ? 12345 : 'not a valid value';
    out.push({ label: `"${field}" of the wrong type`, config: { ...given, [field]: wrong } });
  }
  return out;
}

/**
 * `check` with a broken config fails cleanly: exit 0 with CONNECTION_STATUS FAILED, or exit 1
 * with a config_error TRACE (the two ways the Airbyte protocol documents), and no stack trace.
 */
export function brokenCheck(label: string, transcript: Transcript): CheckResult {
  const name = `check: fails cleanly on a broken config (${label})`;
  if (transcript.timedOut) return fail(name, 'did not exit in time');
  const status = transcript.messages.find((message) => message.connectionStatus)?.connectionStatus;
  const error = transcript.messages.find((message) => message.trace?.error)?.trace?.error;
  if (error?.stack_trace || STACK_LINE.test(transcript.stderr)) {
    return fail(name, `a stack trace was printed for a configuration problem (${excerpt(error?.message ?? '')})`);
  }
  if (transcript.exitCode === 0 && status?.status === 'FAILED') return pass(name, `FAILED: ${excerpt(status.message)}`);
  if (transcript.exitCode === 1 && error?.failure_type === 'config_error') {
    return pass(name, `config_error: ${excerpt(error.message)}`);
  }
  const seen = status ? `CONNECTION_STATUS ${status.status}` : error ? `TRACE ${error.failure_type}` : 'no status';
  return fail(
    name,
    `exit code ${transcript.exitCode} with ${seen}; expected exit 0 with CONNECTION_STATUS FAILED or exit 1 with a config_error TRACE`,
  );
}

export const noBrokenConfig = (): CheckResult =>
  skip('check: fails cleanly on a broken config', 'the spec requires and types no field, so no config is broken');
