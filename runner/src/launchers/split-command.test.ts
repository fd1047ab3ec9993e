import { describe, expect, it } from 'vitest';
import { splitCommand } from './split-command.js';

describe('splitCommand', () => {
  it.each([
    ['node path/main.js', ['node', 'path/main.js']],
    ['  node   a\tb  ', ['node', 'a', 'b']],
    [`node "my dir/main.js" 'x y'`, ['node', 'my dir/main.js', 'x y']],
    [String.raw`node my\ dir/main.js`, ['node', 'my dir/main.js']],
    [String.raw`echo "a \"b\" \n" 'c\d'`, ['echo', 'a "b" \\n', 'c\\d']],
    [`node '' ""`, ['node', '', '']],
    ['node $HOME/x.js *.js; rm -rf /', ['node', '$HOME/x.js', '*.js;', 'rm', '-rf', '/']],
    ['', []],
  ])('%s', (line, words) => {
    expect(splitCommand(line)).toEqual(words);
  });

  it('rejects an unterminated quote', () => {
    expect(() => splitCommand(`node "main.js`)).toThrow(/unterminated " quote/);
  });
});
