import { describe, expect, it } from 'vitest';
import { digestMarkerOf, digestMetadata, recordMarkerOf, recordMetadata } from './markers.js';
import { shortHash, struckThrough } from './render.js';

describe('markers', () => {
  it('round-trip through Slack metadata, and ignore other apps’ events', () => {
    const record = { stream: 'crm.tickets', key: '{"id":7}', hash: 'abcdef012345' };
    expect(recordMarkerOf(recordMetadata(record))).toEqual(record);
    expect(digestMarkerOf(digestMetadata({ stream: 's', entries: ['a1', 'b2'] }))).toEqual({
      stream: 's',
      entries: ['a1', 'b2'],
    });
    expect(recordMarkerOf({ event_type: 'task_created', event_payload: { id: 1 } })).toBeUndefined();
    expect(recordMarkerOf(undefined)).toBeUndefined();
    expect(digestMarkerOf(recordMetadata(record))).toBeUndefined();
  });
});

describe('render helpers', () => {
  it('strike each non-empty line, and hash versions apart', () => {
    expect(struckThrough('*Ticket 1*\n\nrefund')).toBe('~*Ticket 1*~\n\n~refund~');
    expect(shortHash(['a', null])).toMatch(/^[0-9a-f]{12}$/);
    expect(shortHash(['a', null])).not.toBe(shortHash(['b', null]));
  });
});
