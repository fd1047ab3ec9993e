import { describe, expect, it } from 'vitest';
import { compileJsonTemplate } from './json-template.js';
import { compileTemplate } from './template.js';

describe('compileTemplate', () => {
  it('renders fields and dotted paths as text; missing and null as empty; objects as JSON', () => {
    const template = compileTemplate('{{ name }} <{{address.city}}> {{ missing }}{{ nothing }} {{ tags }}');
    expect(template.columns).toEqual(['name', 'address.city', 'missing', 'nothing', 'tags']);
    expect(template.render({ name: 'Ada', address: { city: 'London' }, nothing: null, tags: ['a'] })).toBe(
      'Ada <London>  ["a"]',
    );
  });
});

describe('compileJsonTemplate', () => {
  it('renders strings, inserts $field values unchanged, and copies constants', () => {
    const template = compileJsonTemplate({
      text: 'New ticket {{ id }} from {{ customer.name }}',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*{{ subject }}*' } }],
      amount: { $field: 'amount' },
      customer: { $field: 'customer' },
      absent: { $field: 'nope' },
      fixed: [1, true, null, 'plain'],
    });
    expect(template.columns.sort()).toEqual(['amount', 'customer', 'id', 'nope', 'subject']);
    expect(template.render({ id: 7, subject: 'Refund', amount: 12.5, customer: { name: 'Ada', vip: true } })).toEqual({
      text: 'New ticket 7 from Ada',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Refund*' } }],
      amount: 12.5,
      customer: { name: 'Ada', vip: true },
      absent: null,
      fixed: [1, true, null, 'plain'],
    });
  });

  it('renders a top-level string or $field', () => {
    expect(compileJsonTemplate('{{ a }}!').render({ a: 1 })).toBe('1!');
    expect(compileJsonTemplate({ $field: 'a.b' }).render({ a: { b: [1, 2] } })).toEqual([1, 2]);
  });

  it('names the JSON path of a malformed $field', () => {
    expect(() => compileJsonTemplate({ card: [{ x: { $field: 'a', other: 1 } }] })).toThrow(
      /^\$\.card\[0\]\.x: a \{"\$field": "<field>"\} object must have that one key/,
    );
    expect(() => compileJsonTemplate({ x: { $field: 3 } })).toThrow(/\$\.x:/);
    expect(() => compileJsonTemplate({ x: { $field: 'a b' } })).toThrow(/\$\.x:/);
  });
});
