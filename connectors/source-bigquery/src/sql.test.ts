import { describe, expect, it } from 'vitest';
import { modelRelation, quoteIdent, trimModelSql } from './sql.js';

describe('trimModelSql', () => {
  it('drops trailing semicolons and what follows them, nothing else', () => {
    expect(trimModelSql('select 1;')).toBe('select 1');
    expect(trimModelSql('select 1 ;; \n')).toBe('select 1');
    expect(trimModelSql('select 1; # done\n-- really\n/* yes */')).toBe('select 1');
    expect(trimModelSql('select 1 # trailing comment')).toBe('select 1 # trailing comment');
    expect(trimModelSql("select ';' as s")).toBe("select ';' as s");
    expect(trimModelSql("select 'it\\'s;' as s;")).toBe("select 'it\\'s;' as s");
    expect(trimModelSql('select """a;\n"""; ')).toBe('select """a;\n"""');
    expect(trimModelSql('select 1 as `x;`')).toBe('select 1 as `x;`');
    expect(trimModelSql('select 1 -- a; b')).toBe('select 1 -- a; b');
  });

  it('nests a model so that a trailing comment cannot swallow the closing parenthesis', () => {
    expect(modelRelation('select 1 # note')).toBe('(\nselect 1 # note\n)');
  });
});

describe('quoteIdent', () => {
  it('escapes backticks and backslashes', () => {
    expect(quoteIdent('a`b\\c')).toBe('`a\\`b\\\\c`');
  });
});
