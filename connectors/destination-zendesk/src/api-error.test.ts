import { ConfigError, TransientError } from '@backflow/protocol/connector';
import { describe, expect, it } from 'vitest';
import { reasonOf, ZendeskApiError } from './api-error.js';

describe('reasonOf', () => {
  it("reads Zendesk's error shapes", () => {
    expect(reasonOf({ error: "Couldn't authenticate you" })).toBe("Couldn't authenticate you");
    expect(reasonOf({ error: 'RecordNotFound', description: 'Not found' })).toBe('RecordNotFound: Not found');
    expect(
      reasonOf({
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: { email: [{ description: 'Email: x is not properly formatted', error: 'InvalidFormat' }] },
      }),
    ).toBe('RecordInvalid: Email: x is not properly formatted');
    expect(reasonOf({ error: { title: 'Forbidden', message: 'You do not have access' } })).toBe('Forbidden');
  });
});

describe('ZendeskApiError', () => {
  it('maps statuses to connector errors', () => {
    expect(new ZendeskApiError(401, { error: 'x' }, 'read').toConnectorError()).toBeInstanceOf(ConfigError);
    expect(new ZendeskApiError(403, {}, 'create_many of users').toConnectorError().message).toMatch(
      /denied create_many of users \(403\)/,
    );
    expect(new ZendeskApiError(502, {}, 'read').toConnectorError()).toBeInstanceOf(TransientError);
  });
});
