import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import type { DestinationCatalog, DestinationSyncMode } from '@backflow/protocol';
import { DEFAULT_FILE_NAME_PATTERN, withoutNamespace } from './file-names.js';
import type { Config } from './generated/config.js';

/** `update` is missing on purpose: see SUPPORTED_BEHAVIOURS. */
const SYNC_MODES: readonly DestinationSyncMode[] = ['append', 'append_dedup', 'overwrite'];
const EXTENSIONS: Readonly<Record<Config['format'], string>> = { csv: 'csv', jsonl: 'jsonl', json: 'json' };

/**
 * The files already in the directory that the file name pattern could have produced, as
 * objects (named by their `{stream}` part) with the sync modes this destination offers; CSV
 * files with a header list its columns, other files no fields. A missing directory has no objects yet.
 */
export async function discoverFiles(config: Config): Promise<DestinationCatalog> {
  const pattern = config.file_name_pattern ?? DEFAULT_FILE_NAME_PATTERN;
  // A model's file was named by the pattern without its namespace part.
  const matchers = [pattern, withoutNamespace(pattern)].map((p) => patternMatcher(p, EXTENSIONS[config.format]));
  let names: string[];
  try {
    names = (await readdir(config.directory)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { operations: [] };
    throw error;
  }
  const operations = [];
  for (const name of names) {
    const object = matchers.map((matcher) => matcher.exec(name)?.groups?.stream).find(Boolean);
    if (!object) continue;
    // Only a CSV header fixes a file's fields; JSON and JSON Lines records take any fields, so
    // their objects list none (an empty `properties` would refuse every mapped field).
    const columns =
      config.format === 'csv' && (config.csv?.header ?? true)
        ? await csvHeader(join(config.directory, name), config.csv?.delimiter ?? ',')
        : undefined;
    const json_schema = {
      type: 'object',
      ...(columns
        ? { properties: Object.fromEntries(columns.map((column) => [column, { type: ['null', 'string'] }])) }
        : {}),
    };
    for (const sync_mode of SYNC_MODES) operations.push({ object_name: object, sync_mode, json_schema });
  }
  return { operations };
}

function patternMatcher(pattern: string, extension: string): RegExp {
  const escaped = pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  const source = escaped
    .replace('{stream}', '(?<stream>[^/]+?)')
    .replaceAll('{stream}', '\\k<stream>')
    .replaceAll('{namespace}', '[^/]*')
    .replaceAll('{ext}', extension.replace(/[.]/g, '\\.'));
  return new RegExp(`^${source}$`);
}

async function csvHeader(path: string, delimiter: string): Promise<string[]> {
  const parser = createReadStream(path).pipe(parse({ delimiter, bom: true, to_line: 1, relax_column_count: true }));
  for await (const fields of parser as AsyncIterable<string[]>) return fields;
  return [];
}
