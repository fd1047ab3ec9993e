import { readFileSync } from 'node:fs';
import { compileSchema } from '@backflow/protocol';
import type { SlackCall } from './server.js';

interface Parameter {
  name: string;
  in: 'header' | 'query' | 'formData';
  type: 'string' | 'boolean' | 'integer' | 'number';
  required?: boolean;
}
interface Operation {
  consumes?: string[];
  parameters?: Parameter[];
  responses: Record<'200' | 'default', { schema: Record<string, unknown> }>;
}
interface Subset {
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, Record<string, unknown>>;
}

/** Slack's Web API OpenAPI 2.0 document (2020-10), cut to the methods used by make-openapi-subset.mjs. */
const subset = JSON.parse(readFileSync(new URL('./openapi-subset.json', import.meta.url), 'utf8')) as Subset;

/**
 * What Slack added after the 2020 document, each from Slack's current method reference
 * (docs.slack.dev/reference/methods/<method>) — listed, not guessed, so the rest of the
 * document still binds:
 * - `metadata` (JSON string) on chat.postMessage and chat.update, and
 *   `include_all_metadata` (boolean) on conversations.history: message metadata, 2022;
 * - messages carry `metadata` ({event_type, event_payload}) when asked for;
 * - conversations.history pages by cursor and answers `response_metadata.next_cursor`,
 *   and an empty channel answers `messages: []`;
 * - errors Slack documents today: `ratelimited` (HTTP 429, any method), `internal_error`,
 *   `fatal_error`, `service_unavailable` and `request_timeout` (any method), `invalid_blocks`,
 *   `invalid_blocks_format` and `invalid_metadata_format` on chat.postMessage/update, whose
 *   error answers carry `response_metadata.messages`; `not_in_channel` and `invalid_cursor`
 *   on conversations.history, `invalid_cursor` on conversations.list.
 */
const EXTRA_ARGS: Readonly<Record<string, Readonly<Record<string, Parameter['type']>>>> = {
  'chat.postMessage': { metadata: 'string' },
  'chat.update': { metadata: 'string' },
  'conversations.history': { include_all_metadata: 'boolean' },
};
const EXTRA_ERRORS: Readonly<Record<string, readonly string[]>> = {
  'chat.postMessage': ['invalid_blocks', 'invalid_blocks_format', 'invalid_metadata_format'],
  'chat.update': ['invalid_blocks', 'invalid_blocks_format', 'invalid_metadata_format'],
  'conversations.history': ['not_in_channel', 'invalid_cursor'],
  'conversations.list': ['invalid_cursor'],
};
const ANY_METHOD_ERRORS = ['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'];
const metadataSchema = {
  type: 'object',
  required: ['event_type', 'event_payload'],
  additionalProperties: false,
  properties: { event_type: { type: 'string' }, event_payload: { type: 'object' } },
};

function definitions(): Record<string, unknown> {
  const defs = structuredClone(subset.definitions);
  const message = defs.objs_message as { properties: Record<string, unknown> };
  message.properties.metadata = metadataSchema;
  return defs;
}

function responseSchema(method: string, ok: boolean): Record<string, unknown> {
  const operation = operationOf(method);
  const schema = structuredClone(operation.responses[ok ? '200' : 'default'].schema) as {
    properties: Record<string, Record<string, unknown>>;
  };
  if (ok && method === 'conversations.history') {
    schema.properties.response_metadata = {
      type: 'object',
      required: ['next_cursor'],
      additionalProperties: false,
      properties: { next_cursor: { type: 'string' } },
    };
    delete schema.properties.messages!.minItems;
  }
  if (!ok) {
    const error = schema.properties.error!;
    error.enum = [...new Set([...(error.enum as string[]), ...ANY_METHOD_ERRORS, ...(EXTRA_ERRORS[method] ?? [])])];
    schema.properties.response_metadata = {
      type: 'object',
      properties: { messages: { type: 'array', items: { type: 'string' } } },
    };
  }
  return { ...schema, definitions: definitions() };
}

function operationOf(method: string): Operation {
  const path = subset.paths[`/${method}`];
  if (!path) throw new Error(`the Slack OpenAPI subset has no method ${method}`);
  return Object.values(path)[0]!;
}

const compiled = new Map<string, ReturnType<typeof compileSchema>>();

/**
 * Problems with one call against Slack's OpenAPI document: the request (method known,
 * content type among those it consumes, every argument declared with the right type,
 * required ones present — `token` as the `Authorization: Bearer` header Slack's clients
 * send) and the answer (the 200 or error schema). Empty when both conform.
 */
export function validateSlackCall(call: SlackCall): string[] {
  const problems: string[] = [];
  const where = `${call.method}`;
  const path = subset.paths[`/${call.method}`];
  if (!path) return [`${where}: not a method of the Slack OpenAPI subset`];
  const operation = operationOf(call.method);
  // Slack accepts POST for every method (the document lists GET for reads); the body
  // must be one of the content types the method consumes.
  if (call.httpMethod === 'POST' && call.contentType !== '' && !(operation.consumes ?? []).includes(call.contentType))
    problems.push(`${where}: content type ${call.contentType} is not among ${String(operation.consumes)}`);
  const declared = new Map<string, Parameter['type']>();
  for (const parameter of operation.parameters ?? []) declared.set(parameter.name, parameter.type);
  for (const [name, type] of Object.entries(EXTRA_ARGS[call.method] ?? {})) declared.set(name, type);
  for (const parameter of operation.parameters ?? []) {
    if (!parameter.required) continue;
    if (parameter.name === 'token') {
      if (!/^Bearer \S+$/.test(String(call.headers.authorization ?? '')) && call.args.token === undefined)
        problems.push(`${where}: no token (Authorization: Bearer or token argument)`);
    } else if (call.args[parameter.name] === undefined) {
      problems.push(`${where}: required argument ${parameter.name} is missing`);
    }
  }
  for (const [name, value] of Object.entries(call.args)) {
    const type = declared.get(name);
    if (!type) problems.push(`${where}: argument ${name} is not declared`);
    else if (!conforms(type, value))
      problems.push(`${where}: argument ${name}=${JSON.stringify(value)} is not a ${type}`);
  }
  if (call.response !== undefined) {
    const ok = (call.response as { ok?: unknown }).ok === true;
    const key = `${call.method}:${ok}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = compileSchema(responseSchema(call.method, ok));
      compiled.set(key, validate);
    }
    const error = validate.check(call.response);
    if (error) problems.push(`${where} response: ${error.message}`);
  }
  return problems;
}

// Form arguments are text; a JSON body may carry real booleans and numbers.
function conforms(type: Parameter['type'], value: unknown): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'boolean') return typeof value === 'boolean' || ['true', 'false', '1', '0'].includes(String(value));
  if (type === 'integer') return Number.isInteger(Number(value)) && String(value).trim() !== '';
  return !Number.isNaN(Number(value)) && String(value).trim() !== '';
}
