import { checkpoint, InternalError, type Checkpoint } from '@backflow/protocol/connector';
import type { AirbyteStateBlob } from '@backflow/protocol';
import type { HubSpotProperty, HubSpotReader, SearchRequest } from './hubspot-reader.js';
import { cursorPropertyOf, rowOf } from './stream-schema.js';

/** HubSpot's search answers at most this many results per query (CRM search guide, "Limitations"). */
export const SEARCH_WINDOW = 10_000;

/** Where an incremental read stopped: the last record's modified time (epoch ms) and id. */
export interface CursorState {
  modified: number;
  id: string;
}

export interface StreamOptions {
  readonly objectType: string;
  readonly properties: readonly HubSpotProperty[];
  readonly pageSize: number;
  /** Checkpoints (and resumes from `state`) only when incremental. */
  readonly incremental: boolean;
  readonly state: AirbyteStateBlob | undefined;
}

/**
 * Reads one object through the search API, oldest modification first (ties by id, as HubSpot
 * orders them), with a checkpoint after each page when incremental. A query answers at most
 * 10,000 results, so before paging past them the search is re-anchored on the last modified
 * time seen (`GTE`), skipping the records of that instant already read: no record is lost or
 * read twice across a re-anchoring or a resume.
 */
export async function* readObject(
  reader: HubSpotReader,
  options: StreamOptions,
): AsyncGenerator<Record<string, unknown> | Checkpoint> {
  const cursor = cursorPropertyOf(options.properties);
  const types = new Map(options.properties.map((p) => [p.name, p.type]));
  const resumed = options.incremental ? cursorStateOf(options.state) : undefined;
  let since = resumed?.modified;
  let last: CursorState | undefined = resumed;
  let after: string | undefined;
  for (;;) {
    const request: SearchRequest = {
      filterGroups:
        since === undefined ? [] : [{ filters: [{ propertyName: cursor, operator: 'GTE', value: String(since) }] }],
      sorts: [{ propertyName: cursor, direction: 'ASCENDING' }],
      properties: [...types.keys()],
      limit: options.pageSize,
      ...(after !== undefined ? { after } : {}),
    };
    const page = await reader.search(options.objectType, request);
    for (const result of page.results) {
      const modified = Date.parse(result.properties[cursor] ?? '');
      if (Number.isNaN(modified)) {
        throw new InternalError(
          `${options.objectType} ${result.id}: ${cursor} is not a date: ${result.properties[cursor]}`,
        );
      }
      if (last && (modified < last.modified || (modified === last.modified && Number(result.id) <= Number(last.id)))) {
        continue;
      }
      yield rowOf(result.properties, types);
      last = { modified, id: result.id };
    }
    if (options.incremental && last) yield checkpoint({ ...last });
    if (page.after === undefined) return;
    if (Number(page.after) + options.pageSize > SEARCH_WINDOW) {
      if (!last || last.modified === since) {
        throw new InternalError(
          `${options.objectType}: more than ${SEARCH_WINDOW} records share the modified time ${new Date(since ?? 0).toISOString()}; HubSpot's search cannot page through them`,
        );
      }
      since = last.modified;
      after = undefined;
    } else {
      after = page.after;
    }
  }
}

function cursorStateOf(state: AirbyteStateBlob | undefined): CursorState | undefined {
  if (state === undefined) return undefined;
  const { modified, id } = state as Partial<CursorState>;
  if (typeof modified !== 'number' || typeof id !== 'string') {
    throw new InternalError(`unreadable stream state ${JSON.stringify(state)}: expected {modified, id}`);
  }
  return { modified, id };
}
