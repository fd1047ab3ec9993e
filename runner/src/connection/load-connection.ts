import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProtocolError, compileSchema } from '@backflow/protocol';
import { parseDocument } from 'yaml';
import { ConfigurationError } from '../errors.js';
import type { Connection, Endpoint } from '../generated/connection.js';
import { DEFAULT_STATE, isPostgresLocation } from '../store/location.js';
import { interpolateEnv } from './interpolate.js';

const schemaPath = fileURLToPath(new URL('../../schemas/connection.json', import.meta.url));
const validateConnection = compileSchema<Connection>(JSON.parse(readFileSync(schemaPath, 'utf8')));

/** A connection file, validated, with defaults applied and env vars resolved. */
export interface LoadedConnection extends Connection {
  name: string;
  /** Absolute path of the file it came from. */
  file: string;
  /** Values substituted from the environment: secrets to scrub from every output. */
  envSecrets: string[];
}

/** Reads and validates a connection file; every problem names the file and the field. */
export async function loadConnection(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConnection> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `cannot read connection file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  return parseConnection(text, path, env);
}

export function parseConnection(text: string, path: string, env: NodeJS.ProcessEnv = process.env): LoadedConnection {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const at = first.linePos?.[0] ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})` : '';
    throw new ConfigurationError(`${path}: not valid YAML${at}: ${first.message.split('\n')[0]}`);
  }
  const used = new Set<string>();
  const raw = interpolateEnv(document.toJS(), env, path, used);
  let connection: Connection;
  try {
    connection = validateConnection(raw, path);
  } catch (error) {
    if (error instanceof ProtocolError) throw new ConfigurationError(`invalid connection file ${error.message}`);
    throw error;
  }
  for (const side of ['source', 'destination'] as const) checkEndpoint(connection[side], side, path);
  const names = new Set<string>();
  for (const [i, stream] of connection.streams.entries()) {
    const key = `${stream.namespace ?? ''}.${stream.name}`;
    if (names.has(key)) throw new ConfigurationError(`${path}: /streams/${i} repeats stream "${stream.name}"`);
    names.add(key);
    if (stream.sync_mode === 'incremental' && !stream.cursor_field) {
      throw new ConfigurationError(`${path}: /streams/${i}/cursor_field is required when sync_mode is incremental`);
    }
  }
  return {
    ...connection,
    name: connection.name ?? basename(path, extname(path)),
    file: path,
    state: connection.state ?? DEFAULT_STATE,
    envSecrets: [...used],
  };
}

function checkEndpoint(endpoint: Endpoint, side: string, path: string): void {
  const given = (['connector', 'image', 'command'] as const).filter((key) => endpoint[key] !== undefined);
  if (given.length !== 1) {
    throw new ConfigurationError(
      `${path}: /${side} needs exactly one of connector, image or command (got ${given.join(', ') || 'none'})`,
    );
  }
}

/** Where a connection keeps its state, and under which name. */
export interface ConnectionLocation {
  readonly name: string;
  /** `postgres://…` or a directory, absolute. */
  readonly state: string;
}

/**
 * Reads only a connection file's `name` and `state` — for the run history, which must work
 * without the connectors' secret variables set. Relative state directories resolve next to
 * the file.
 */
export async function loadConnectionLocation(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConnectionLocation> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `cannot read connection file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const document = parseDocument(text);
  const raw: unknown = document.errors.length === 0 ? document.toJS() : undefined;
  // Not a mapping: the full parse says what is wrong, naming the line.
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) parseConnection(text, path, env);
  if (!raw || typeof raw !== 'object') throw new ConfigurationError(`${path}: not a connection file`);
  const { name: rawName, state: rawState } = raw as Record<string, unknown>;
  const picked = interpolateEnv({ name: rawName, state: rawState }, env, path, new Set()) as {
    name?: unknown;
    state?: unknown;
  };
  const name = typeof picked.name === 'string' ? picked.name : basename(path, extname(path));
  const state = typeof picked.state === 'string' ? picked.state : DEFAULT_STATE;
  return { name, state: isPostgresLocation(state) ? state : resolve(dirname(path), state) };
}

/** The directory relative paths in a connection file are resolved against. */
export function connectionDir(connection: LoadedConnection): string {
  return dirname(connection.file);
}
