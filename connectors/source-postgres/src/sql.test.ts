import { describe, expect, it } from 'vitest';
import { quoteLiteral } from './sql.js';

describe('quoteLiteral', () => {
  it('doubles quotes, and escapes backslashes in an escape string', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(quoteLiteral("\\'")).toBe("E'\\\\'''");
  });
});
