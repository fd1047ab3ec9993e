import { dirname } from 'node:path';
import type { ConfiguredAirbyteCatalog, ConfiguredAirbyteStream, SyncBehaviour } from '@backflow/protocol';
import { ConfigError, InternalError, streamKey, type DestinationWriter } from '@backflow/protocol/connector';
import { planStream, type StreamPlan } from './behaviour.js';
import { makeDirectories } from './directories.js';
import { DEFAULT_FILE_NAME_PATTERN, streamFilePath } from './file-names.js';
import { csvFormat } from './formats/csv-format.js';
import { jsonArrayFormat, jsonlFormat } from './formats/json-formats.js';
import type { RowFormat } from './formats/row-format.js';
import type { Config } from './generated/config.js';
import { StreamFile } from './stream-file.js';
import { removeStaleTempFiles } from './temp-file.js';

/** `update` would need to know, at write time, which keys the file holds: not offered. */
export const SUPPORTED_BEHAVIOURS: readonly SyncBehaviour[] = ['append', 'upsert', 'mirror', 'insert'];

const DEFAULT_MAX_BUFFERED = 100_000;

/** Opens one file per configured stream; nothing reaches a target file before `commit`. */
export async function openFileWriter(config: Config, catalog: ConfiguredAirbyteCatalog): Promise<DestinationWriter> {
  const files = new Map<string, StreamFile<unknown>>();
  const targets = new Map<string, string>();
  for (const configured of catalog.streams) {
    const name = streamKey(configured.stream);
    const plan = planStream(configured, SUPPORTED_BEHAVIOURS);
    const format = formatFor(config, configured, plan) as RowFormat<unknown>;
    const target = streamFilePath(
      config.directory,
      config.file_name_pattern ?? DEFAULT_FILE_NAME_PATTERN,
      configured,
      format.extension,
    );
    const other = targets.get(target);
    if (other !== undefined) throw new ConfigError(`streams "${other}" and "${name}" would both write ${target}`);
    targets.set(target, name);
    await makeDirectories(dirname(target));
    await removeStaleTempFiles(target);
    const maxBuffered = config.max_buffered_records ?? DEFAULT_MAX_BUFFERED;
    files.set(name, new StreamFile({ name, target, format, plan, maxBuffered }));
  }

  let committed = true;
  return {
    async write({ stream, records }) {
      const file = files.get(streamKey(stream.stream));
      if (!file) throw new InternalError(`batch for stream "${streamKey(stream.stream)}", which was not opened`);
      committed = false;
      return { rejected: await file.write(records) };
    },
    async commit() {
      for (const file of files.values()) await file.commit();
      committed = true;
    },
    async close() {
      if (committed) return;
      for (const file of files.values()) await file.discard();
    },
  };
}

function formatFor(config: Config, configured: ConfiguredAirbyteStream, plan: StreamPlan): RowFormat<unknown> {
  const columns = Object.keys((configured.stream.json_schema.properties as object | undefined) ?? {});
  switch (config.format) {
    case 'jsonl':
      return jsonlFormat(columns) as RowFormat<unknown>;
    case 'json':
      return jsonArrayFormat(columns) as RowFormat<unknown>;
    case 'csv': {
      const name = streamKey(configured.stream);
      if (columns.length === 0) {
        throw new ConfigError(`stream "${name}": CSV needs the stream's json_schema.properties to know its columns`);
      }
      for (const [column] of plan.keyPaths) {
        if (!columns.includes(column!))
          throw new ConfigError(`stream "${name}": matching key "${column}" is not a column of the stream`);
      }
      return csvFormat({
        columns,
        delimiter: config.csv?.delimiter ?? ',',
        header: config.csv?.header ?? true,
      }) as RowFormat<unknown>;
    }
  }
}
