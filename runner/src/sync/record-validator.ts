import { compileSchema, type AirbyteRecordMessage, type ConfiguredAirbyteCatalog } from '@backflow/protocol';
import { streamKey } from '@backflow/protocol/connector';
import { ConnectorFailure } from '../errors.js';

type Validator = ReturnType<typeof compileSchema>;

/**
 * Checks each RECORD a source sends against its stream's schema, with one compiled validator
 * per stream of the catalog: a record of a stream not in the catalog, or one that does not
 * match its schema, fails the read naming the connector, the line and the rule.
 */
export class RecordValidator {
  private readonly validators = new Map<string, Validator>();

  constructor(
    private readonly connector: string,
    catalog: ConfiguredAirbyteCatalog,
  ) {
    for (const configured of catalog.streams) {
      const key = streamKey(configured.stream);
      try {
        this.validators.set(key, compileSchema(configured.stream.json_schema as object));
      } catch (error) {
        throw new ConnectorFailure(
          connector,
          `stream "${key}" has an invalid json_schema: ${(error as Error).message}`,
        );
      }
    }
  }

  /** The record's stream key, once its data matches the stream's schema. */
  check(record: AirbyteRecordMessage, line: number): string {
    const key = streamKey(
      record.namespace ? { name: record.stream, namespace: record.namespace } : { name: record.stream },
    );
    const validate = this.validators.get(key);
    if (!validate) {
      throw new ConnectorFailure(this.connector, `RECORD for stream "${key}", which is not in the catalog`, { line });
    }
    const invalid = validate.check(record.data, { source: `stream "${key}" record`, line });
    if (invalid) {
      throw new ConnectorFailure(this.connector, `RECORD does not match its stream schema: ${invalid.message}`, {
        line,
      });
    }
    return key;
  }
}
