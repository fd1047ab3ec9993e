import { ConfigError, InternalError } from '@backflow/protocol/connector';
import { Client } from '@hubspot/api-client';
import { HubSpotApiError } from './api-error.js';
import { objectSchemaOf, type ObjectSchema } from './object-schema.js';
import type { RequestGate } from './request-gate.js';

/** One input of a batch create, update or upsert. */
export interface WriteInput {
  /** The record's HubSpot id, or its `idProperty` value (update, upsert). */
  id?: string;
  idProperty?: string;
  properties: Record<string, string>;
  /** Echoed in results and error contexts, so outcomes map back to inputs. */
  objectWriteTraceId: string;
}

/** One record in a batch answer. */
export interface WrittenObject {
  id: string;
  objectWriteTraceId?: string;
  properties: Record<string, string | null>;
}

/** One per-input error of a 207 answer. */
export interface InputError {
  message: string;
  category: string;
  context: Record<string, string[]>;
  errors: { message?: string; code?: string; context?: Record<string, string[]> }[];
}

/** A batch write's answer: 2xx results, and per-input errors when HubSpot answered 207. */
export interface WriteAnswer {
  results: WrittenObject[];
  errors: InputError[];
}

export type WriteOperation = 'create' | 'update' | 'upsert';

/** The SDK's batch response models, as far as the connector reads them. */
interface BatchAnswer {
  results: { id: string; objectWriteTraceId?: string; properties: Record<string, string | null> }[];
  errors?: { message: string; category: string; context?: Record<string, string[]>; errors?: InputError['errors'] }[];
}

/**
 * The HubSpot calls the connector makes, through the official `@hubspot/api-client`, each
 * one request paced and retried by the gate. At most 100 inputs per call.
 */
export class HubSpotApi {
  private readonly client: Client;

  constructor(
    options: { accessToken: string; basePath: string },
    private readonly gate: RequestGate,
  ) {
    // No `limiterOptions` and no retries: the gate paces and retries (see RequestGate).
    this.client = new Client({
      accessToken: options.accessToken,
      basePath: options.basePath,
      numberOfApiCallRetries: 0,
    });
  }

  /** The object's properties; a ConfigError when the token or the object is refused. */
  async objectSchema(objectType: string): Promise<ObjectSchema> {
    try {
      const listing = await this.gate.send(`listing the properties of ${objectType}`, () =>
        this.client.crm.properties.coreApi.getAll(objectType),
      );
      return objectSchemaOf(objectType, listing.results);
    } catch (error) {
      if (!(error instanceof HubSpotApiError)) throw error;
      // HubSpot answers 400 "Unable to infer object type from: x" for an unknown object.
      if (error.status === 400 || error.status === 404) {
        throw new ConfigError(
          `object type "${objectType}" does not exist in this HubSpot account: ${error.body.message ?? error.status}`,
        );
      }
      throw error.toConnectorError();
    }
  }

  async write(operation: WriteOperation, objectType: string, inputs: readonly WriteInput[]): Promise<WriteAnswer> {
    const batch = this.client.crm.objects.batchApi;
    const what = `batch ${operation} of ${inputs.length} ${objectType}`;
    const answer = await this.gate.send<BatchAnswer>(what, () => {
      switch (operation) {
        case 'create':
          // HubSpot's OpenAPI marks `associations` required on create inputs; none are made here.
          return batch.create(objectType, {
            inputs: inputs.map(({ properties, objectWriteTraceId }) => ({
              properties,
              objectWriteTraceId,
              associations: [],
            })),
          });
        case 'update':
          return batch.update(objectType, { inputs: inputs.map(keyed) });
        case 'upsert':
          return batch.upsert(objectType, { inputs: inputs.map(keyed) });
      }
    });
    return {
      results: answer.results.map((result) => ({
        id: result.id,
        properties: result.properties,
        ...(result.objectWriteTraceId !== undefined ? { objectWriteTraceId: result.objectWriteTraceId } : {}),
      })),
      errors: (answer.errors ?? []).map((error) => ({
        message: error.message,
        category: error.category,
        context: error.context ?? {},
        errors: error.errors ?? [],
      })),
    };
  }

  /**
   * HubSpot ids of the records whose `idProperty` has one of `values` (batch read), keyed by
   * the value as HubSpot returns it. Values that match nothing are simply absent.
   */
  async findIds(objectType: string, idProperty: string, values: readonly string[]): Promise<Map<string, string>> {
    const what = `batch read of ${values.length} ${objectType} by ${idProperty}`;
    let results: WrittenObject[];
    try {
      const answer = await this.gate.send(what, () =>
        this.client.crm.objects.batchApi.read(objectType, {
          idProperty,
          inputs: values.map((id) => ({ id })),
          properties: [idProperty],
          propertiesWithHistory: [],
        }),
      );
      results = answer.results;
    } catch (error) {
      // HubSpot answers 404 when none of the values matches a record.
      if (error instanceof HubSpotApiError && error.status === 404 && error.body.category === 'OBJECT_NOT_FOUND') {
        return new Map();
      }
      throw error;
    }
    const ids = new Map<string, string>();
    for (const result of results) {
      const value = result.properties[idProperty];
      if (value !== null && value !== undefined) ids.set(value, result.id);
    }
    return ids;
  }

  /** Archives records by HubSpot id; unknown ids are ignored (HubSpot answers 204). */
  async archive(objectType: string, ids: readonly string[]): Promise<void> {
    await this.gate.send(`batch archive of ${ids.length} ${objectType}`, () =>
      this.client.crm.objects.batchApi.archive(objectType, { inputs: ids.map((id) => ({ id })) }),
    );
  }
}

function keyed(input: WriteInput): WriteInput & { id: string } {
  if (input.id === undefined) throw new InternalError('batch update/upsert input without an id');
  return { ...input, id: input.id };
}
