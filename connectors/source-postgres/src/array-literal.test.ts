import { describe, expect, it } from 'vitest';
import { parseArrayLiteral } from './array-literal.js';

const asText = (s: string) => s;

describe('parseArrayLiteral', () => {
  it('parses flat arrays with NULLs', () => {
    expect(parseArrayLiteral('{1,2,NULL}', Number)).toEqual([1, 2, null]);
    expect(parseArrayLiteral('{}', Number)).toEqual([]);
  });

  it('unescapes quoted elements and keeps a quoted "NULL" as text', () => {
    expect(parseArrayLiteral('{"a,b","c\\"d",NULL,"NULL",""," x ","\\\\x0102"}', asText)).toEqual([
      'a,b',
      'c"d',
      null,
      'NULL',
      '',
      ' x ',
      '\\x0102',
    ]);
  });

  it('parses nested arrays and ignores a dimension decoration', () => {
    expect(parseArrayLiteral('{{1,2},{3,NULL}}', Number)).toEqual([
      [1, 2],
      [3, null],
    ]);
    expect(parseArrayLiteral('[0:1]={7,8}', Number)).toEqual([7, 8]);
  });

  it('honours a type-specific delimiter', () => {
    expect(parseArrayLiteral('{(1,1),(0,0);(2,2),(1,1)}', asText, ';')).toEqual(['(1,1),(0,0)', '(2,2),(1,1)']);
  });

  it('rejects malformed input', () => {
    expect(() => parseArrayLiteral('{1,2', Number)).toThrow(SyntaxError);
    expect(() => parseArrayLiteral('1,2', Number)).toThrow(SyntaxError);
  });
});
