// Rows of `COPY … TO STDOUT` in text format: each column's text is the same text the
// column's output function prints (what a text-mode query returns), so the decoders of
// text-values.ts apply unchanged. COPY adds two things on top: NULL is `\N`, and a backslash,
// tab, newline or carriage return inside a value is escaped.

const ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** A column's text with COPY's backslash escapes undone (`\\`, `\t`, `\n`, octal `\123`, hex `\x41`...). */
export function unescapeCopyText(field: string): string {
  let out = '';
  let from = 0;
  let at = field.indexOf('\\');
  while (at >= 0) {
    out += field.slice(from, at);
    const next = field[at + 1] ?? '';
    let length = 2;
    if (next >= '0' && next <= '7') {
      const digits = /^[0-7]{1,3}/.exec(field.slice(at + 1, at + 4))![0];
      out += String.fromCharCode(parseInt(digits, 8));
      length = 1 + digits.length;
    } else if (next === 'x' && /^[0-9a-fA-F]/.test(field[at + 2] ?? '')) {
      const digits = /^[0-9a-fA-F]{1,2}/.exec(field.slice(at + 2, at + 4))![0];
      out += String.fromCharCode(parseInt(digits, 16));
      length = 2 + digits.length;
    } else {
      // Any other escaped character stands for itself (`\\` is a backslash).
      out += ESCAPES[next] ?? next;
    }
    from = at + length;
    at = field.indexOf('\\', from);
  }
  return out + field.slice(from);
}
