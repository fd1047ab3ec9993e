/**
 * Parses Postgres' text form of an array (`{1,2,NULL}`, `{{"a,b",c},{d,e}}`,
 * `[0:1]={1,2}`) into nested JS arrays, decoding each non-NULL element with `decode`.
 */
export function parseArrayLiteral(text: string, decode: (element: string) => unknown, delimiter = ','): unknown[] {
  // A lower bound other than 1 is printed as a `[lo:hi]=` prefix; JSON arrays start at 0 anyway.
  let pos = text.startsWith('[') ? text.indexOf('=') + 1 : 0;

  const parseLevel = (): unknown[] => {
    if (text[pos] !== '{') throw new SyntaxError(`malformed array literal at ${pos}: ${text}`);
    pos++;
    const items: unknown[] = [];
    if (text[pos] === '}') {
      pos++;
      return items;
    }
    for (;;) {
      const ch = text[pos];
      if (ch === '{') items.push(parseLevel());
      else if (ch === '"') items.push(decode(readQuoted()));
      else {
        const raw = readUnquoted();
        items.push(raw.toUpperCase() === 'NULL' ? null : decode(raw));
      }
      const next = text[pos++];
      if (next === '}') return items;
      if (next !== delimiter) throw new SyntaxError(`malformed array literal at ${pos - 1}: ${text}`);
    }
  };

  const readQuoted = (): string => {
    let out = '';
    pos++;
    for (;;) {
      const ch = text[pos++];
      if (ch === undefined) throw new SyntaxError(`unterminated quoted array element: ${text}`);
      if (ch === '"') return out;
      out += ch === '\\' ? text[pos++] : ch;
    }
  };

  const readUnquoted = (): string => {
    const start = pos;
    while (pos < text.length && text[pos] !== delimiter && text[pos] !== '}') pos++;
    return text.slice(start, pos);
  };

  return parseLevel();
}
