// Conformance with the official Airbyte protocol 0.18: the fixture corpus must be accepted or
// rejected alike by the reference schema and by ours, our schemas must carry the reference's
// constraints unchanged, and every extension example must stay valid under the reference.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { protocolSchemas } from '../generated/schemas.js';
import { ProtocolError } from './protocol-error.js';
import { validateMessage, validateWith } from './validate.js';

const protocolDir = fileURLToPath(new URL('../../', import.meta.url));
const fixturesDir = join(protocolDir, 'test', 'fixtures');
const vendoredPath = join(fixturesDir, 'airbyte_protocol.yaml');
const sharedPath = join(protocolDir, '..', '..', 'shared', 'reference', 'airbyte-protocol', 'airbyte_protocol.yaml');
const referencePath = existsSync(vendoredPath) ? vendoredPath : sharedPath;
const referenceText = readFileSync(referencePath, 'utf8');
const reference = parse(referenceText) as {
  $id: string;
  definitions: Record<string, Record<string, unknown>>;
};

const referenceAjv = new Ajv({ strict: false });
(formats.default as unknown as (ajv: Ajv) => Ajv)(referenceAjv);
referenceAjv.addSchema(reference);
const referenceValidators = new Map<string, ValidateFunction>();
function referenceValidator(definition: string): ValidateFunction {
  let validator = referenceValidators.get(definition);
  if (!validator) {
    validator = referenceAjv.compile({ $ref: `${reference.$id}#/definitions/${definition}` });
    referenceValidators.set(definition, validator);
  }
  return validator;
}

interface Fixture {
  line: number;
  text: string;
  value: unknown;
}

function readFixtures(name: string): Fixture[] {
  return readFileSync(join(fixturesDir, 'messages', name), 'utf8')
    .split('\n')
    .map((text, index) => ({ line: index + 1, text }))
    .filter(({ text }) => text.trim() !== '')
    .map(({ line, text }) => ({ line, text, value: JSON.parse(text) as unknown }));
}

function ours(value: unknown, line: number): ProtocolError | undefined {
  try {
    validateMessage(value, { line, source: 'fixture' });
    return undefined;
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
}

const valid = readFixtures('valid.ndjson');
const invalid = readFixtures('invalid.ndjson');
const stricter = readFixtures('stricter.ndjson');

describe('reference schema', () => {
  it('is the 0.18.0 release, byte for byte', () => {
    const digest = createHash('sha256').update(referenceText).digest('hex');
    expect(digest).toBe('ccc7c10a4711f2597ff26d0a15830a3a1c173cb504c1b566c44ec9d196d27381');
  });

  it.runIf(existsSync(sharedPath))('vendored copy equals the shared reference', () => {
    expect(readFileSync(vendoredPath, 'utf8')).toBe(readFileSync(sharedPath, 'utf8'));
  });
});

describe('fixture corpus', () => {
  it('is large enough to mean something', () => {
    expect(valid.length + invalid.length).toBeGreaterThanOrEqual(40);
  });

  it.each(valid.map((f) => [f.line, f] as const))(
    'valid.ndjson line %i is accepted by the reference and by us',
    (_line, { value, line }) => {
      expect(
        referenceValidator('AirbyteMessage')(value),
        JSON.stringify(referenceValidator('AirbyteMessage').errors),
      ).toBe(true);
      expect(ours(value, line)?.message).toBeUndefined();
    },
  );

  it.each(invalid.map((f) => [f.line, f] as const))(
    'invalid.ndjson line %i is rejected by the reference and by us',
    (_line, { value, line }) => {
      expect(referenceValidator('AirbyteMessage')(value)).toBe(false);
      expect(ours(value, line)).toBeInstanceOf(ProtocolError);
    },
  );

  it('covers every message, state, trace and stream status type the reference defines', () => {
    const messages = valid.map((f) => f.value as Record<string, Record<string, unknown>>);
    const seen = (pick: (m: Record<string, Record<string, unknown>>) => unknown) =>
      new Set(messages.map(pick).filter((v) => v !== undefined));
    const enumOf = (definition: string, property?: string) => {
      const schema = reference.definitions[definition] as {
        enum?: unknown[];
        properties?: Record<string, { enum?: unknown[] }>;
      };
      return new Set(property ? schema.properties?.[property]?.enum : schema.enum);
    };
    expect(seen((m) => m.type)).toEqual(enumOf('AirbyteMessage', 'type'));
    expect(seen((m) => m.state?.type)).toEqual(enumOf('AirbyteStateType'));
    expect(seen((m) => m.trace?.type)).toEqual(enumOf('AirbyteTraceMessage', 'type'));
    expect(seen((m) => (m.trace?.stream_status as { status?: string } | undefined)?.status)).toEqual(
      enumOf('AirbyteStreamStatus'),
    );
    expect(seen((m) => m.log?.level)).toEqual(enumOf('AirbyteLogMessage', 'level'));
    expect(seen((m) => m.record?.operation)).toEqual(new Set(['upsert', 'delete']));
  });
});

describe('deliberate strictness', () => {
  // The reference accepts these; Backflow rejects them on purpose: a message whose `type`
  // names a payload it does not carry (the protocol implies the payload, the schema does
  // not say so), and extension fields with values outside their schema.
  it.each(stricter.map((f) => [f.line, f] as const))(
    'stricter.ndjson line %i is accepted by the reference and rejected by us',
    (_line, { value, line }) => {
      expect(referenceValidator('AirbyteMessage')(value)).toBe(true);
      expect(ours(value, line)).toBeInstanceOf(ProtocolError);
    },
  );

  it('reports a missing payload as the payload rule', () => {
    const payloadLines = stricter.filter((f) => !/operation|rejected_records|limits/.test(f.text));
    expect(payloadLines.length).toBeGreaterThanOrEqual(17);
    for (const { value, line } of payloadLines) expect(ours(value, line)?.rule).toBe('payload');
  });
});

describe('our schemas carry the reference unchanged', () => {
  // Extension properties Backflow adds; everything else must equal the reference.
  const extensions: Record<string, string[]> = {
    AirbyteRecordMessage: ['operation'],
    ConfiguredAirbyteStream: ['behaviour', 'matching_keys'],
    AirbyteStateStats: ['rejected_records'],
    ConnectorSpecification: ['limits'],
  };
  const annotations = new Set(['description', 'title', '$id', '$schema', 'examples']);
  const normalize = (node: unknown, refOf: (ref: string) => string): unknown => {
    if (Array.isArray(node)) return node.map((item) => normalize(item, refOf));
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key]) => !annotations.has(key))
        .map(([key, value]) => [key, key === '$ref' ? refOf(String(value)) : normalize(value, refOf)]),
    );
  };
  const titleByFile = new Map(protocolSchemas.map((s) => [String(s.$id).split('/').pop(), String(s.title)]));
  const ourByTitle = new Map(protocolSchemas.map((s) => [String(s.title), s]));

  it.each(Object.keys(reference.definitions))('%s', (name) => {
    const theirs = normalize(reference.definitions[name], (ref) => ref.replace('#/definitions/', ''));
    const schema = ourByTitle.get(name);
    expect(schema, `no schema titled ${name}`).toBeDefined();
    const mine = normalize(schema, (ref) => titleByFile.get(ref) ?? `unknown ${ref}`) as {
      properties?: Record<string, unknown>;
    };
    for (const extra of extensions[name] ?? []) {
      expect(mine.properties).toHaveProperty(extra);
      delete mine.properties?.[extra];
    }
    expect(mine).toEqual(theirs);
  });
});

describe('README examples', () => {
  // Every ```json block tagged with a type name is an example of that type.
  const readme = readFileSync(join(protocolDir, 'README.md'), 'utf8');
  const examples = [...readme.matchAll(/```json (\w+)\n([\s\S]*?)```/g)].map((m, index) => ({
    index,
    type: m[1] ?? '',
    value: JSON.parse(m[2] ?? '') as unknown,
  }));

  it('has an example for every extension', () => {
    const text = examples.map((e) => JSON.stringify(e.value)).join('\n');
    for (const field of ['"operation":"delete"', '"behaviour"', '"matching_keys"', '"rejected_records"', '"limits"']) {
      expect(text).toContain(field);
    }
  });

  it.each(examples.map((e) => [e.index, e.type, e] as const))(
    'example %i (%s) is valid under the reference and under ours',
    (_index, type, { value }) => {
      const validator = referenceValidator(type);
      expect(validator(value), JSON.stringify(validator.errors)).toBe(true);
      if (type === 'AirbyteMessage') validateMessage(value);
      else validateWith(type, value);
    },
  );
});

describe('error messages', () => {
  it('say where, what was expected and what arrived', () => {
    const error = ours({ type: 'RECORD', record: { stream: 's', data: {}, emitted_at: 'abc' } }, 12);
    expect(error).toMatchObject({
      rule: 'type',
      path: '/record/emitted_at',
      expected: 'integer',
      actual: 'string "abc"',
      line: 12,
      source: 'fixture',
    });
    expect(error?.message).toBe('fixture line 12: /record/emitted_at must be integer (got string "abc")');
  });

  it('name the missing property in the path', () => {
    const error = ours({ type: 'RECORD', record: { data: {}, emitted_at: 1 } }, 3);
    expect(error).toMatchObject({ rule: 'required', path: '/record/stream', actual: 'nothing' });
  });

  it('list the allowed values of an enum', () => {
    const error = ours({ type: 'LOG', log: { level: 'NOTICE', message: 'x' } }, 1);
    expect(error?.path).toBe('/log/level');
    expect(error?.expected).toBe('one of "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"');
    expect(error?.actual).toBe('string "NOTICE"');
  });

  it('explain a missing payload', () => {
    expect(ours({ type: 'STATE' }, 1)?.message).toBe(
      'fixture line 1: /state must be present when /type is "STATE" (got nothing)',
    );
  });
});
