import type { JsonValue } from '@backflow/protocol/connector';
import {
  DuckDBTypeId,
  type DuckDBArrayValue,
  type DuckDBBlobValue,
  type DuckDBDateValue,
  type DuckDBIntervalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBTimeNSValue,
  type DuckDBTimeTZValue,
  type DuckDBTimeValue,
  type DuckDBTimestampMillisecondsValue,
  type DuckDBTimestampNanosecondsValue,
  type DuckDBTimestampSecondsValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { formatDate, formatInterval, formatOffset, formatTimeOfDay, formatTimestamp } from './temporal.js';

const MICROS = 1_000_000n;
const NANOS = 1_000_000_000n;

/** A DuckDB value in its RECORD representation (protocol/docs/types.md), exact for every type. */
export function toJsonValue(value: DuckDBValue, type: DuckDBType): JsonValue {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return value as boolean;
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return value as number;
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE: {
      // NaN and ±Infinity have no JSON form: they travel as null (protocol/docs/types.md).
      const n = value as number;
      return Number.isFinite(n) ? n : null;
    }
    case DuckDBTypeId.VARCHAR:
      return type.alias === 'JSON' ? (JSON.parse(value as string) as JsonValue) : (value as string);
    case DuckDBTypeId.BLOB:
      return Buffer.from((value as DuckDBBlobValue).bytes).toString('base64');
    case DuckDBTypeId.DATE:
      return formatDate((value as DuckDBDateValue).days) ?? String(value);
    case DuckDBTypeId.TIMESTAMP:
      return formatTimestamp((value as DuckDBTimestampValue).micros, MICROS) ?? String(value);
    case DuckDBTypeId.TIMESTAMP_S:
      return formatTimestamp((value as DuckDBTimestampSecondsValue).seconds, 1n) ?? String(value);
    case DuckDBTypeId.TIMESTAMP_MS:
      return formatTimestamp((value as DuckDBTimestampMillisecondsValue).millis, 1000n) ?? String(value);
    case DuckDBTypeId.TIMESTAMP_NS:
      return formatTimestamp((value as DuckDBTimestampNanosecondsValue).nanos, NANOS) ?? String(value);
    case DuckDBTypeId.TIMESTAMP_TZ: {
      const text = formatTimestamp((value as DuckDBTimestampTZValue).micros, MICROS);
      if (text === undefined) return String(value);
      return text.endsWith('infinity') ? text : `${text}Z`;
    }
    case DuckDBTypeId.TIME:
      return formatTimeOfDay((value as DuckDBTimeValue).micros, MICROS);
    case DuckDBTypeId.TIME_NS:
      return formatTimeOfDay((value as DuckDBTimeNSValue).nanos, NANOS);
    case DuckDBTypeId.TIME_TZ: {
      const time = value as DuckDBTimeTZValue;
      return formatTimeOfDay(time.micros, MICROS) + formatOffset(time.offset);
    }
    case DuckDBTypeId.INTERVAL: {
      const interval = value as DuckDBIntervalValue;
      return formatInterval(interval.months, interval.days, interval.micros);
    }
    case DuckDBTypeId.STRUCT: {
      const entries = (value as DuckDBStructValue).entries;
      const result: { [key: string]: JsonValue } = {};
      type.entryNames.forEach((name, i) => {
        result[name] = toJsonValue(entries[name] ?? null, type.entryTypes[i]!);
      });
      return result;
    }
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return (value as DuckDBListValue | DuckDBArrayValue).items.map((item) => toJsonValue(item, type.valueType));
    case DuckDBTypeId.MAP: {
      const result: { [key: string]: JsonValue } = {};
      for (const { key, value: entry } of (value as DuckDBMapValue).entries) {
        const jsonKey = toJsonValue(key, type.keyType);
        result[typeof jsonKey === 'string' ? jsonKey : JSON.stringify(jsonKey)] = toJsonValue(entry, type.valueType);
      }
      return result;
    }
    default:
      // BIGINT, HUGEINT, UBIGINT, BIGNUM (bigint), DECIMAL, UUID, ENUM, BIT, UNION, ...:
      // their exact text form (DECIMAL keeps its scale: "12.50").
      return String(value);
  }
}
