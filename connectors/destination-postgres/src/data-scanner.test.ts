import { describe, expect, it } from 'vitest';
import { DataScanner, Found } from './data-scanner.js';

const columns = ['id', 'name', 'score', 'tags'];

function scan(text: string) {
  const scanner = new DataScanner(columns);
  const buffer = Buffer.from(text);
  if (!scanner.scan({ buffer, start: 0, end: buffer.length })) return undefined;
  return Object.fromEntries(
    columns.map((column, i) => [
      column,
      scanner.found[i] === Found.absent
        ? 'absent'
        : [scanner.found[i], buffer.toString('utf8', scanner.starts[i], scanner.ends[i])],
    ]),
  );
}

describe('DataScanner', () => {
  it('finds each column token and how plain it is', () => {
    expect(scan('{"id":"7","name":null,"score":12,"tags":["a"],"other":{"x":[1,"}"]}}')).toEqual({
      id: [Found.plainString, '"7"'],
      name: [Found.null, 'null'],
      score: [Found.plainToken, '12'],
      tags: [Found.plainJson, '["a"]'],
    });
  });

  it('tells objects and arrays that mean what JSON.stringify would print from those to parse', () => {
    for (const token of ['{ "a" : [1, {"b":null}, true, "x"], "a":[] }', '[]', '{}', '[[-1],[0]]']) {
      expect(scan(`{"tags":${token}}`)?.tags).toEqual([Found.plainJson, token]);
    }
    // Floats, non-ASCII, tabs and escapes, and what is not JSON at all (JSON.parse tells).
    for (const token of ['[1.5]', '{"a":"é"}', '[1,\t2]', '{"a\\b":1}', '[1e3]', '[-0]', '{"a" 1}', '[1,]']) {
      expect(scan(`{"tags":${token}}`)?.tags).toEqual([Found.json, token]);
    }
  });

  it('keeps the last of a repeated member and allows spaces, as JSON.parse does', () => {
    expect(scan(' { "score" : true , "id":1, "id" : 2 } ')).toMatchObject({
      id: [Found.plainToken, '2'],
      score: [Found.plainToken, 'true'],
      name: 'absent',
    });
  });

  it('leaves values whose text would change when printed to be parsed', () => {
    for (const token of ['1.5', '1e3', '-0', '1234567890123456', '"a\\tb"', '"café"']) {
      expect(scan(`{"score":${token}}`)?.score).toEqual([Found.json, token]);
    }
    expect(scan('{"score":-123456789012345}')?.score).toEqual([Found.plainToken, '-123456789012345']);
  });

  it('gives up on what it cannot vouch for, so JSON.parse decides', () => {
    for (const text of [
      '{"id":1,}',
      '{"id":1 "name":2}',
      '{"id":tru}',
      '{"i\\u0064":1}',
      '{"nom":"\u00e9t\u00e9","ïd":1}',
      '{"other":{"a":}}',
      '{"name":"a\u0001"}',
      '{"id":1}x',
      '[1]',
    ]) {
      expect(scan(text), text).toBeUndefined();
    }
    expect(scan('{}')).toEqual({ id: 'absent', name: 'absent', score: 'absent', tags: 'absent' });
  });
});
