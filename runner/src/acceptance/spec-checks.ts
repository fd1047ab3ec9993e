import { compileSchema, ProtocolError, type ConnectorSpecification } from '@backflow/protocol';
import type { Transcript } from './invoke.js';
import { excerpt, fail, pass, type CheckResult } from './result.js';

// Property names that hold credentials in connector specs in the wild.
const SECRET_NAME =
  /(^|_)(password|passwd|passphrase|secret|token|api_?key|private_key|access_key|credentials(_json)?)($|_)/i;

type Schema = {
  type?: unknown;
  properties?: Record<string, Schema>;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
  airbyte_secret?: boolean;
};

/** `spec`: one valid SPEC message whose connectionSpecification is a JSON Schema with its secrets marked. */
export function specChecks(transcript: Transcript): { results: CheckResult[]; spec?: ConnectorSpecification } {
  const specs = transcript.messages.flatMap((message) => (message.spec ? [message.spec] : []));
  if (transcript.exitCode !== 0 || specs.length !== 1) {
    return {
      results: [
        fail(
          'spec: prints one SPEC message',
          `exit code ${transcript.exitCode}, ${specs.length} SPEC message(s)${stderrTail(transcript)}`,
        ),
      ],
    };
  }
  const spec = specs[0]!;
  const results = [pass('spec: prints one SPEC message', 'valid against the Airbyte message schema')];
  try {
    compileSchema(spec.connectionSpecification);
    results.push(pass('spec: connectionSpecification is a valid JSON Schema', 'compiles as draft-07'));
  } catch (error) {
    const detail = error instanceof ProtocolError ? error.actual : (error as Error).message;
    results.push(fail('spec: connectionSpecification is a valid JSON Schema', excerpt(detail)));
  }
  const unmarked = unmarkedSecrets(spec.connectionSpecification as Schema, '');
  results.push(
    unmarked.length === 0
      ? pass('spec: secret fields are marked airbyte_secret', 'no credential-like field without airbyte_secret')
      : fail(
          'spec: secret fields are marked airbyte_secret',
          `${unmarked.join(', ')} look like credentials but lack "airbyte_secret": true`,
        ),
  );
  return { results, spec };
}

function unmarkedSecrets(schema: Schema | undefined, path: string): string[] {
  if (!schema || typeof schema !== 'object' || schema.airbyte_secret) return [];
  const found: string[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const where = path ? `${path}.${name}` : name;
    const types = [child?.type].flat();
    if (SECRET_NAME.test(name) && types.includes('string') && !child.airbyte_secret) found.push(where);
    found.push(...unmarkedSecrets(child, where));
  }
  for (const branch of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) {
    found.push(...unmarkedSecrets(branch, path));
  }
  return [...new Set(found)];
}

/** The last stderr lines, for a reason. */
export function stderrTail(transcript: Transcript): string {
  const lines = transcript.stderr.trim().split('\n').filter(Boolean);
  return lines.length ? `; stderr: ${excerpt(lines.slice(-3).join(' | '))}` : '';
}
