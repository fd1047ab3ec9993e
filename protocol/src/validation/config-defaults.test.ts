import { describe, expect, it } from 'vitest';
import { applySpecDefaults } from './validate.js';

const spec = {
  type: 'object',
  required: ['host'],
  properties: {
    host: { type: 'string' },
    port: { type: 'integer', default: 5432 },
    tuning: { type: 'object', properties: { batch: { type: 'integer', default: 100 } } },
  },
};

describe('applySpecDefaults', () => {
  it('fills in the spec defaults on a copy, leaving given values and the input alone', () => {
    const input = { host: 'db', tuning: {} };
    expect(applySpecDefaults(spec, input)).toEqual({ host: 'db', port: 5432, tuning: { batch: 100 } });
    expect(applySpecDefaults(spec, { host: 'db', port: 6543 })).toEqual({ host: 'db', port: 6543 });
    expect(input).toEqual({ host: 'db', tuning: {} });
  });

  it('still refuses an invalid config, naming the field', () => {
    expect(() => applySpecDefaults(spec, { port: 1 })).toThrow(/host/);
  });
});
