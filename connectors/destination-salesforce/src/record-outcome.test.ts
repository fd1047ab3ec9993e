import { describe, expect, it } from 'vitest';
import { parseBulkError, rejectFromErrors } from './record-outcome.js';

describe('parseBulkError', () => {
  it("reads Salesforce's sf__Error text: code, message, fields, several joined", () => {
    expect(
      parseBulkError(
        'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName -- INVALID_EMAIL_ADDRESS:Email: invalid email address: x:Email --',
      ),
    ).toEqual([
      {
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: 'Required fields are missing: [LastName]',
        fields: ['LastName'],
      },
      { statusCode: 'INVALID_EMAIL_ADDRESS', message: 'Email: invalid email address: x', fields: ['Email'] },
    ]);
    expect(
      parseBulkError('DUPLICATE_VALUE:duplicate value found: Key__c duplicates value on record with id: a005g:--'),
    ).toEqual([
      {
        statusCode: 'DUPLICATE_VALUE',
        message: 'duplicate value found: Key__c duplicates value on record with id: a005g',
        fields: [],
      },
    ]);
  });
});

describe('rejectFromErrors', () => {
  const change = { indices: [3, 7], keyValue: 'K', normalizedKey: 'k', values: {} };
  it('rejects every record of the change with the codes and messages, naming the first field', () => {
    expect(
      rejectFromErrors(change, [
        { statusCode: 'STRING_TOO_LONG', message: 'Name: data value too large', fields: ['Name'] },
      ]),
    ).toEqual([
      {
        index: 3,
        reason: 'STRING_TOO_LONG: Name: data value too large (fields: Name)',
        retryable: false,
        field: 'Name',
      },
      {
        index: 7,
        reason: 'STRING_TOO_LONG: Name: data value too large (fields: Name)',
        retryable: false,
        field: 'Name',
      },
    ]);
  });
  it('marks lock contention retryable', () => {
    expect(
      rejectFromErrors(change, [
        { statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access', fields: [] },
      ])[0],
    ).toMatchObject({ retryable: true });
  });
});
