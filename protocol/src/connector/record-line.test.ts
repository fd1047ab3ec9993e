import { describe, expect, it } from 'vitest';
import { InternalError } from './errors.js';
import { StreamNames, takeRecordLine } from './record-line.js';

function take(text: string, names = new StreamNames()) {
  const buffer = Buffer.from(`xx${text}yy`);
  return takeRecordLine(buffer, 2, buffer.length - 2, 7, names);
}

describe('takeRecordLine', () => {
  it('takes a plain RECORD line: its stream, namespace and data bytes, the data parsed only when read', () => {
    const line = take(
      '{"type":"RECORD","record":{"stream":"people","namespace":"crm","data":{"id":1,"n":"}"},"emitted_at":42}}',
    );
    expect(line).toMatchObject({ stream: 'people', namespace: 'crm', emitted_at: 42 });
    expect(line!.buffer.toString('utf8', line!.start, line!.end)).toBe('{"id":1,"n":"}"}');
    const record = line!.incoming((data) => ({ id: data.id }));
    expect(record).toMatchObject({ operation: 'upsert', key: { id: 1 }, data: { id: 1, n: '}' } });
    expect(record.bytes).toBe(line);
  });

  it('shares one name string across a run of lines of one stream', () => {
    const names = new StreamNames();
    const text = '{"type":"RECORD","record":{"stream":"s","data":{},"emitted_at":1}}';
    expect(take(text, names)!.stream).toBe('s');
    expect(take(text, names)!.stream).toBe(take(text, names)!.stream);
  });

  it('takes data whose values, not names, hold escapes or the CDC marker', () => {
    const line = take(
      '{"type":"RECORD","record":{"stream":"p","data":{"a":"x\\"y","b":"_ab_cdc_deleted_at","c":{"_ab_cdc_deleted_at":1}},"emitted_at":1}}',
    );
    expect(line?.data).toEqual({ a: 'x"y', b: '_ab_cdc_deleted_at', c: { _ab_cdc_deleted_at: 1 } });
  });

  it('leaves every other shape to the parser', () => {
    for (const text of [
      '{"type":"STATE","state":{}}',
      '{"type":"RECORD","record":{"stream":"p","data":{"id":1},"emitted_at":1,"operation":"delete"}}',
      '{"type":"RECORD","record":{"stream":"p","data":{"id":1,"_ab_cdc_deleted_at":"x"},"emitted_at":1}}',
      '{"type":"RECORD","record":{"stream":"p","data":{"id":1,"_ab_cdc_deleted\\u005fat":"x"},"emitted_at":1}}',
      '{"type":"RECORD","record":{"stream":"p\\"q","data":{},"emitted_at":1}}',
      '{"type":"RECORD","record":{"stream":"p","data":[1],"emitted_at":1}}',
      '{"type":"RECORD","record":{"stream":"p","data":{"id":1},"emitted_at":1.5}}',
      '{"type":"RECORD","record":{"stream":"p","data":{"id":1},"emitted_at":1}} ',
      '{"type":"RECORD", "record":{"stream":"p","data":{},"emitted_at":1}}',
    ]) {
      expect(take(text), text).toBeUndefined();
    }
  });

  it('fails reading data that is not JSON, naming the line', () => {
    const line = take('{"type":"RECORD","record":{"stream":"p","data":{"id":tru},"emitted_at":1}}');
    expect(() => line!.data).toThrow(InternalError);
    expect(() => line!.data).toThrow(/stdin line 7: value must be a JSON object on one line/);
  });
});
