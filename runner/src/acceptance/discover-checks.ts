import { compileSchema, ProtocolError, type AirbyteCatalog, type DestinationCatalog } from '@backflow/protocol';
import type { Transcript } from './invoke.js';
import { excerpt, fail, pass, skip, type CheckResult } from './result.js';
import { stderrTail } from './spec-checks.js';

/** A source's `discover`: one valid CATALOG with uniquely named streams whose schemas compile. */
export function sourceDiscoverChecks(transcript: Transcript): { results: CheckResult[]; catalog?: AirbyteCatalog } {
  const catalogs = transcript.messages.flatMap((message) => (message.catalog ? [message.catalog] : []));
  const name = 'discover: returns a valid catalog';
  if (transcript.exitCode !== 0 || catalogs.length !== 1) {
    return {
      results: [
        fail(name, `exit code ${transcript.exitCode}, ${catalogs.length} CATALOG message(s)${stderrTail(transcript)}`),
      ],
    };
  }
  const catalog = catalogs[0]!;
  const names = catalog.streams.map((stream) => `${stream.namespace ? `${stream.namespace}.` : ''}${stream.name}`);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  const results = [
    catalog.streams.length === 0
      ? fail(name, 'the catalog has no stream')
      : duplicate
        ? fail(name, `stream "${duplicate}" appears twice`)
        : pass(name, `${catalog.streams.length} stream(s): ${excerpt(names.join(', '), 100)}`),
  ];
  results.push(
    schemasCheck(catalog.streams.map((stream) => ({ label: `stream "${stream.name}"`, schema: stream.json_schema }))),
  );
  return { results, catalog };
}

/** A destination's `discover` (a Backflow extension): a DESTINATION_CATALOG whose schemas compile, or none at all. */
export function destinationDiscoverChecks(transcript: Transcript): {
  results: CheckResult[];
  catalog?: DestinationCatalog;
} {
  const catalog = transcript.messages.find((message) => message.destination_catalog)?.destination_catalog;
  const name = 'discover: returns a valid destination catalog';
  if (!catalog) {
    return { results: [skip(name, `the destination offers no discover (exit code ${transcript.exitCode})`)] };
  }
  if (transcript.exitCode !== 0)
    return { results: [fail(name, `exit code ${transcript.exitCode}${stderrTail(transcript)}`)] };
  return {
    results: [
      pass(name, `${catalog.operations.length} operation(s)`),
      schemasCheck(
        catalog.operations.map((op) => ({
          label: `object "${op.object_name}" (${op.sync_mode})`,
          schema: op.json_schema,
        })),
      ),
    ],
    catalog,
  };
}

function schemasCheck(entries: readonly { label: string; schema: unknown }[]): CheckResult {
  const name = 'discover: every schema is a valid JSON Schema';
  for (const { label, schema } of entries) {
    try {
      compileSchema(schema as object);
    } catch (error) {
      return fail(
        name,
        `${label}: ${excerpt(error instanceof ProtocolError ? error.actual : (error as Error).message)}`,
      );
    }
  }
  return pass(name, `${entries.length} schema(s) compile`);
}
