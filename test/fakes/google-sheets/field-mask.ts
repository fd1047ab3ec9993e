import { invalidArgument } from './errors.js';

type Mask = Map<string, Mask | true>;

// `sheets(properties(sheetId,title)),properties.timeZone` → a tree of selected fields.
function parse(text: string): Mask {
  let i = 0;
  const list = (): Mask => {
    const mask: Mask = new Map();
    for (;;) {
      let name = '';
      while (i < text.length && /[A-Za-z0-9_.]/.test(text[i]!)) name += text[i++];
      if (name === '') throw invalidArgument(`Invalid field selection ${text}`);
      let sub: Mask | true = true;
      if (text[i] === '(') {
        i++;
        sub = list();
        if (text[i++] !== ')') throw invalidArgument(`Invalid field selection ${text}`);
      }
      // `a.b.c` is `a(b(c))`.
      const parts = name.split('.');
      let node = mask;
      parts.forEach((part, index) => {
        if (index === parts.length - 1) {
          const existing = node.get(part);
          node.set(part, existing instanceof Map && sub instanceof Map ? new Map([...existing, ...sub]) : sub);
        } else {
          let next = node.get(part);
          if (!(next instanceof Map)) {
            next = new Map();
            node.set(part, next);
          }
          node = next;
        }
      });
      if (text[i] === ',') {
        i++;
        continue;
      }
      return mask;
    }
  };
  const mask = list();
  if (i !== text.length) throw invalidArgument(`Invalid field selection ${text}`);
  return mask;
}

function select(value: unknown, mask: Mask, path: string): unknown {
  if (Array.isArray(value)) return value.map((item) => select(item, mask, path));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [name, sub] of mask) {
    const inner = (value as Record<string, unknown>)[name];
    if (inner !== undefined) out[name] = sub === true ? inner : select(inner, sub, `${path}${name}.`);
  }
  return out;
}

/** Applies a `fields` partial-response mask, as Google's front end does. */
export function applyFieldMask(value: unknown, fields: string | null): unknown {
  if (fields === null || fields === '' || fields === '*') return value;
  return select(value, parse(fields.replace(/\s+/g, '')), '');
}
