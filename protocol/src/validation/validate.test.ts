import { describe, expect, it } from 'vitest';
import { destinationSyncModeFor } from '../sync-behaviour.js';
import { ProtocolError } from './protocol-error.js';
import { compileSchema, validateMessage, validateWith } from './validate.js';

const thrown = (fn: () => unknown): ProtocolError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a ProtocolError');
};

const configSpec = {
  type: 'object',
  required: ['host', 'password'],
  additionalProperties: false,
  properties: {
    host: { type: 'string', order: 0 },
    password: { type: 'string', airbyte_secret: true, minLength: 12, order: 1 },
    credentials: {
      title: 'Authentication',
      oneOf: [
        {
          type: 'object',
          required: ['auth_type', 'api_key'],
          properties: { auth_type: { const: 'api_key' }, api_key: { type: 'string', airbyte_secret: true } },
        },
        {
          type: 'object',
          required: ['auth_type', 'username'],
          properties: { auth_type: { const: 'basic' }, username: { type: 'string' }, port: { type: 'integer' } },
        },
      ],
    },
  },
};

describe('validateMessage', () => {
  it('returns the message when valid', () => {
    const message = { type: 'LOG', log: { level: 'INFO', message: 'hi' } };
    expect(validateMessage(message)).toBe(message);
  });

  it('rejects non-objects with the object rule', () => {
    const error = thrown(() => validateMessage([1, 2], { line: 3, source: 'stdout' }));
    expect(error.rule).toBe('object');
    expect(error.message).toBe('stdout line 3: value must be a JSON object (got array [1,2])');
  });

  it('truncates huge values', () => {
    const error = thrown(() =>
      validateMessage({ type: 'RECORD', record: { stream: 's', data: 'x'.repeat(100_000), emitted_at: 1 } }),
    );
    expect(error.path).toBe('/record/data');
    expect(error.actual.length).toBeLessThan(120);
    expect(error.actual).toContain('(100002 chars)');
  });
});

describe('validateWith', () => {
  const catalog = {
    streams: [
      {
        stream: { name: 'c', json_schema: {}, supported_sync_modes: ['full_refresh'] },
        sync_mode: 'full_refresh',
        destination_sync_mode: 'append_dedup',
        behaviour: 'upsert',
        matching_keys: [['email']],
      },
    ],
  };

  it('finds a protocol schema by title, file name or $id', () => {
    for (const name of [
      'ConfiguredAirbyteCatalog',
      'configured-airbyte-catalog.json',
      'https://backflow.dev/protocol/configured-airbyte-catalog.json',
    ]) {
      expect(validateWith(name, catalog)).toBe(catalog);
    }
  });

  it('names the source in the error', () => {
    const bad = { streams: [{ ...catalog.streams[0], behaviour: 'merge' }] };
    const error = thrown(() => validateWith('ConfiguredAirbyteCatalog', bad, 'catalog.json'));
    expect(error.message).toBe(
      'catalog.json: /streams/0/behaviour must be one of "upsert", "update", "insert", "mirror", "append" (got string "merge")',
    );
  });

  it('refuses an unknown schema name', () => {
    expect(() => validateWith('NoSuchMessage', {})).toThrow(/unknown protocol schema "NoSuchMessage"/);
  });
});

describe('compileSchema', () => {
  it('caches by object and by content', () => {
    const first = compileSchema(configSpec);
    expect(compileSchema(configSpec)).toBe(first);
    expect(compileSchema(structuredClone(configSpec))).toBe(first);
  });

  it('is callable and has a non-throwing check', () => {
    const validate = compileSchema<{ host: string }>(configSpec);
    const config = { host: 'db', password: 'long-enough-password' };
    expect(validate(config).host).toBe('db');
    expect(validate.check(config)).toBeUndefined();
    expect(validate.check({ host: 'db' })).toBeInstanceOf(ProtocolError);
  });

  it('never prints a secret value', () => {
    const validate = compileSchema(configSpec);
    const cases = [
      { host: 'db', password: 'hunter2' },
      { host: 42, password: 'hunter2-hunter2' },
      { host: 'db', password: 'hunter2-hunter2', credentials: { auth_type: 'oauth', api_key: 'sk_live_123' } },
      { host: 'db', password: 'hunter2-hunter2', stray: 1, credentials: { api_key: 'sk_live_123' } },
    ];
    for (const config of cases) {
      const error = thrown(() => validate(config, 'config'));
      expect(error.message).not.toMatch(/hunter2|sk_live_123/);
    }
    expect(thrown(() => validate(cases[0])).actual).toBe('**********');
  });

  it('reports the oneOf branch that got furthest', () => {
    const error = thrown(() =>
      compileSchema(configSpec)({
        host: 'db',
        password: 'hunter2-hunter2',
        credentials: { auth_type: 'basic', username: 'u', port: 'x' },
      }),
    );
    expect(error).toMatchObject({ rule: 'type', path: '/credentials/port', expected: 'integer' });
  });

  it('summarizes a oneOf when no branch is clearly meant', () => {
    const error = thrown(() =>
      compileSchema(configSpec)({ host: 'db', password: 'hunter2-hunter2', credentials: { auth_type: 'oauth' } }),
    );
    expect(error.rule).toBe('oneOf');
    expect(error.path).toBe('/credentials');
    expect(error.expected).toBe('one of 2 alternatives (auth_type must be "api_key" | auth_type must be "basic")');
  });

  it('follows the branch whose discriminator matches', () => {
    const error = thrown(() =>
      compileSchema(configSpec)({ host: 'db', password: 'hunter2-hunter2', credentials: { auth_type: 'basic' } }),
    );
    expect(error).toMatchObject({ rule: 'required', path: '/credentials/username' });
  });

  it('suggests the allowed property a misspelt one is a letter or two from', () => {
    const schema = { type: 'object', additionalProperties: false, properties: { behaviour: {}, name: {} } };
    const error = thrown(() => compileSchema(schema)({ name: 'a', behavior: 'upsert' }));
    expect(error.expected).toBe('absent (did you mean "behaviour"? allowed properties: behaviour, name)');
    const far = thrown(() => compileSchema(schema)({ name: 'a', colour: 'red' }));
    expect(far.expected).toBe('absent (allowed properties: behaviour, name)');
  });

  it('reports an additional property with the allowed ones', () => {
    const error = thrown(() => compileSchema(configSpec)({ host: 'db', password: 'hunter2-hunter2', hots: 'x' }));
    expect(error).toMatchObject({ rule: 'additionalProperties', path: '/hots', actual: 'string "x"' });
    expect(error.expected).toBe('absent (allowed properties: host, password, credentials)');
  });

  it('treats keywords and formats it does not know as annotations, as JSON Schema does', () => {
    const validate = compileSchema({
      type: 'object',
      properties: {
        a: { type: 'string', airbyte_hidden: true, always_show: true, examples: ['x'], x_vendor_hint: 1 },
        b: { type: 'string', format: 'int64' },
      },
    });
    expect(validate({ a: 'x', b: '9007199254740993' })).toEqual({ a: 'x', b: '9007199254740993' });
    expect(() => validate({ a: 1 })).toThrow(ProtocolError);
  });

  it('accepts timestamps with and without a time zone as date-time, as Airbyte types them', () => {
    const validate = compileSchema({ type: 'string', format: 'date-time' });
    for (const value of ['2024-01-31T12:34:56Z', '2024-01-31T12:34:56.789123+02:00', '2024-01-31T12:34:56.789123']) {
      expect(validate(value)).toBe(value);
    }
    expect(() => validate('2024-01-31')).toThrow(ProtocolError);
  });

  it('refuses a second, different schema under a registered $id', () => {
    const id = 'https://backflow.dev/test/config.json';
    compileSchema({ $id: id, type: 'object' });
    expect(compileSchema({ $id: id, type: 'object' })).toBeTypeOf('function');
    expect(thrown(() => compileSchema({ $id: id, type: 'string' })).rule).toBe('schema');
  });

  it('refuses a schema that is not valid draft-07, as ajv words it', () => {
    const error = thrown(() => compileSchema({ properties: { a: { minLength: -1 } } }));
    expect(error.rule).toBe('schema');
    expect(error.actual).toBe('schema is invalid: data/properties/a/minLength must be >= 0');
  });

  it('resolves $refs to the protocol schemas', () => {
    const validate = compileSchema({ $ref: 'https://backflow.dev/protocol/stream-descriptor.json' });
    expect(thrown(() => validate({ namespace: 'public' })).path).toBe('/name');
  });
});

describe('ProtocolError', () => {
  it('builds errors for input that is not JSON', () => {
    const error = ProtocolError.notJson(7, 'Unexpected token } in JSON at position 9', '{"type": }', 'source stdout');
    expect(error.rule).toBe('json');
    expect(error.message).toBe(
      'source stdout line 7: value must be a JSON object on one line (got string "{\\"type\\": }": Unexpected token } in JSON at position 9)',
    );
  });

  it('can be located after the fact', () => {
    const error = thrown(() => validateMessage({ type: 'BOGUS' })).at({ line: 4, source: 'stdin' });
    expect(error.message).toMatch(/^stdin line 4: \/type must be one of/);
    expect(error).toBeInstanceOf(ProtocolError);
  });
});

describe('destinationSyncModeFor', () => {
  it('maps each behaviour to its Airbyte destination sync mode', () => {
    expect(
      Object.fromEntries(
        (['upsert', 'update', 'insert', 'mirror', 'append'] as const).map((b) => [b, destinationSyncModeFor(b)]),
      ),
    ).toEqual({ upsert: 'append_dedup', update: 'update', insert: 'append', mirror: 'append_dedup', append: 'append' });
  });
});
