import type { Rejection } from '@backflow/protocol/connector';
import type { Change } from './prepare-batch.js';
import type { SaveResult } from './salesforce-api.js';

/** What became of a set of changes: records refused (batch indices) and changes written. */
export interface SendOutcome {
  readonly rejected: Rejection[];
  readonly written: Change[];
}

/** Per-record error codes that may pass on a later attempt. */
const RETRYABLE = new Set(['UNABLE_TO_LOCK_ROW', 'REQUEST_LIMIT_EXCEEDED', 'SERVER_UNAVAILABLE']);

/** One rejection per batch record the change stands for. */
export function reject(change: Change, reason: string, retryable: boolean, field?: string): Rejection[] {
  return change.indices.map((index) => ({ index, reason, retryable, ...(field ? { field } : {}) }));
}

/** Salesforce's errors of one record, as a rejection reason: `EMAIL: message (fields)`; the first field named. */
export function rejectFromErrors(change: Change, errors: SaveResult['errors']): Rejection[] {
  const codes = errors.map((e) => e.statusCode ?? e.errorCode ?? 'UNKNOWN');
  const reason = errors
    .map(
      (e, i) =>
        `${codes[i]}: ${e.message}${e.fields && e.fields.length > 0 ? ` (fields: ${e.fields.join(', ')})` : ''}`,
    )
    .join('; ');
  const field = errors.find((e) => e.fields && e.fields.length > 0)?.fields?.[0];
  return reject(
    change,
    reason || 'Salesforce refused the record without a reason',
    codes.every((c) => RETRYABLE.has(c)),
    field,
  );
}

/**
 * `sf__Error` of a Bulk result row (`CODE:message:fields --`, `CODE:message:--` without fields,
 * several joined by spaces) as
 * Salesforce's errors.
 */
export function parseBulkError(text: string): SaveResult['errors'] {
  return text
    .split(/\s*--(?:\s+|$)/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const first = part.indexOf(':');
      const last = part.lastIndexOf(':');
      if (first < 0) return { statusCode: 'UNKNOWN', message: part, fields: [] };
      const statusCode = part.slice(0, first);
      const hasFields = last > first;
      const message = part.slice(first + 1, hasFields ? last : undefined);
      const fields = hasFields
        ? part
            .slice(last + 1)
            .split(',')
            .map((f) => f.trim())
            .filter((f) => f !== '')
        : [];
      return { statusCode, message, fields };
    });
}
