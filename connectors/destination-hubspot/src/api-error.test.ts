import { describe, expect, it } from 'vitest';
import { HubSpotApiError, reasonOf } from './api-error.js';

const invalid = (results: unknown[]) => ({
  message: `Property values were not valid: ${JSON.stringify(results)}`,
  category: 'VALIDATION_ERROR',
});

describe('HubSpotApiError', () => {
  it("reads the refused values out of HubSpot's 400 message", () => {
    const error = new HubSpotApiError(
      400,
      invalid([
        {
          isValid: false,
          message: 'ten was not a valid number.',
          error: 'INVALID_INTEGER',
          name: 'amount',
          propertyValue: 'ten',
        },
      ]),
      'batch create',
    );
    expect(error.propertyProblems()).toEqual([
      { name: 'amount', value: 'ten', message: 'ten was not a valid number.', code: 'INVALID_INTEGER' },
    ]);
    expect(error.reason()).toBe('amount: ten was not a valid number. (INVALID_INTEGER)');
  });

  it('falls back to the structured errors when the message is not the JSON list', () => {
    const body = {
      message: 'Property values were not valid: (truncated',
      errors: [{ message: 'bad', code: 'INVALID_OPTION', context: { propertyName: ['stage'] } }],
    };
    expect(new HubSpotApiError(400, body, 'x').propertyProblems()).toEqual([
      { name: 'stage', value: undefined, message: 'bad', code: 'INVALID_OPTION' },
    ]);
  });

  it('is not about values for other errors', () => {
    expect(
      new HubSpotApiError(400, { message: 'Unable to infer object type from: x' }, 'x').propertyProblems(),
    ).toBeUndefined();
    expect(reasonOf({ message: 'Contact already exists. Existing ID: 1' })).toBe(
      'Contact already exists. Existing ID: 1',
    );
  });

  it.each([
    [401, 'config_error', /^HubSpot refused the private-app token \(401\)/],
    [403, 'config_error', /^HubSpot denied listing \(403\): the private app may lack a scope/],
    [404, 'config_error', /^HubSpot refused listing \(404\)/],
    [500, 'transient_error', /^listing: HubSpot answered 500/],
  ])('a %i becomes a %s', (status, failureType, message) => {
    const error = new HubSpotApiError(status, { message: 'nope' }, 'listing').toConnectorError();
    expect(error.failureType).toBe(failureType);
    expect(error.message).toMatch(message);
  });
});
