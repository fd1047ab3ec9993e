import { describe, expect, it } from 'vitest';
import { ValueError, copyField, encoderFor, fieldEncoderFor } from './copy-text.js';

describe('copyField', () => {
  it('escapes what COPY text format gives meaning to', () => {
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField(null)).toBe('\\N');
    expect(copyField('żółć 🚀')).toBe('żółć 🚀');
  });
});

describe('encoderFor', () => {
  it('writes JSON columns as JSON, whatever the value', () => {
    const encode = encoderFor('json', undefined, false);
    expect(encode({ a: 1 })).toBe('{"a":1}');
    expect(encode('text')).toBe('"text"');
    expect(encode(null)).toBeNull();
  });

  it('decodes base64 into bytea hex and refuses anything else', () => {
    const encode = encoderFor('bytea', undefined, true);
    expect(encode(Buffer.from([0, 255]).toString('base64'))).toBe('\\x00ff');
    expect(() => encode('not base64!')).toThrow(ValueError);
  });

  it('quotes every array element, so "NULL" and braces stay text', () => {
    const encode = encoderFor('text', 'text', false);
    expect(encode(['NULL', null, '{a,b}', 'q"\\', ''])).toBe('{"NULL",NULL,"{a,b}","q\\"\\\\",""}');
    expect(
      encoderFor(
        'integer',
        'integer',
        false,
      )([
        [1, 2],
        [3, null],
      ]),
    ).toBe('{{"1","2"},{"3",NULL}}');
    expect(() => encode('no array')).toThrow(/expected an array/);
  });

  it('writes other values in their text form', () => {
    const encode = encoderFor('text', undefined, false);
    expect([encode(1.5), encode(true), encode('9007199254740993'), encode({ a: [1] })]).toEqual([
      '1.5',
      'true',
      '9007199254740993',
      '{"a":[1]}',
    ]);
  });
});

describe('fieldEncoderFor', () => {
  it('gives each column COPY text, escaped only where COPY would misread it', () => {
    const text = fieldEncoderFor('text', undefined, false);
    expect([text('a\tb\\'), text(7), text(false), text(null), text(undefined), text({ a: 'x\ny' })]).toEqual([
      'a\\tb\\\\',
      '7',
      'false',
      '\\N',
      '\\N',
      '{"a":"x\\\\ny"}',
    ]);
    const json = fieldEncoderFor('json', undefined, false);
    expect([json({ q: 'say "hi"\t' }), json('\\N'), json(null)]).toEqual([
      '{"q":"say \\\\"hi\\\\"\\\\t"}',
      '"\\\\\\\\N"',
      '\\N',
    ]);
    expect(fieldEncoderFor('text', 'text', false)(['a\tb', null])).toBe('{"a\\tb",NULL}');
    expect(fieldEncoderFor('bytea', undefined, true)(Buffer.from([1]).toString('base64'))).toBe('\\\\x01');
  });
});
