import { describe, expect, it } from 'vitest';
import { copyTextRows, unescapeCopyText } from './copy-text.js';

describe('COPY text', () => {
  it('undoes every escape COPY may write', () => {
    expect(unescapeCopyText('\\b\\f\\n\\r\\t\\v\\\\')).toBe('\b\f\n\r\t\v\\');
    expect(unescapeCopyText('\\101\\x42\\7x\\x4g')).toBe('AB\u0007x\u0004g');
    expect(unescapeCopyText('no escapes')).toBe('no escapes');
  });

  it('cuts chunks after their last row, joining rows and characters split across chunks', async () => {
    const bytes = Buffer.from('1\tfirst\n2\tsecond ✓\n3\tlast ✓');
    const cut = bytes.indexOf('✓') + 1; // inside the 3-byte character
    async function* chunks() {
      yield bytes.subarray(0, 3);
      yield bytes.subarray(3, cut);
      yield bytes.subarray(cut);
    }
    const texts: string[][] = [];
    for await (const rows of copyTextRows(chunks())) texts.push(rows.map((buffer) => buffer.toString('utf8')));
    expect(texts).toEqual([['1\tfirst\n'], ['2\tsecond ✓\n'], ['3\tlast ✓']]);
  });
});
