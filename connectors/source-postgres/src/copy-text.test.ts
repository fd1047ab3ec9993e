import { describe, expect, it } from 'vitest';
import { unescapeCopyText } from './copy-text.js';

describe('COPY text', () => {
  it('undoes every escape COPY may write', () => {
    expect(unescapeCopyText('\\b\\f\\n\\r\\t\\v\\\\')).toBe('\b\f\n\r\t\v\\');
    expect(unescapeCopyText('\\101\\x42\\7x\\x4g')).toBe('AB\u0007x\u0004g');
    expect(unescapeCopyText('no escapes')).toBe('no escapes');
  });
});
