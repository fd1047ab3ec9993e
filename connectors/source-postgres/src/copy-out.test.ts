import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { BATCH_BYTES, CopyDataFramer, CopyOut, type CopyDataRun } from './copy-out.js';

/** A protocol message: its type, its length (4 bytes, itself included), its body. */
function message(type: string, body: string): Buffer {
  const bytes = Buffer.from(body);
  const header = Buffer.alloc(5);
  header.write(type);
  header.writeUInt32BE(4 + bytes.length, 1);
  return Buffer.concat([header, bytes]);
}

const ROWS = ['1\tfirst\n', '2\tsecond ✓\n', '3\t\n', `4\t${'long '.repeat(40)}\n`];

/** A copy as the server sends it: CopyOutResponse, rows with a notice among them, CopyDone, then what follows. */
const COPY = Buffer.concat([
  message('H', '\u0000\u0000\u0002\u0000\u0000\u0000\u0000'),
  message('d', ROWS[0]!),
  message('d', ROWS[1]!),
  message('N', 'SNOTICE\u0000Mhello\u0000\u0000'),
  message('d', ROWS[2]!),
  message('d', ROWS[3]!),
]);
const AFTER = Buffer.concat([message('c', ''), message('C', 'COPY 4\u0000'), message('Z', 'I')]);

/** The rows of `runs`: each run must be whole CopyData messages. */
function rowsOf(runs: readonly CopyDataRun[]): string[] {
  const rows: string[] = [];
  for (const { bytes, start, end } of runs) {
    for (let at = start; at < end;) {
      expect(bytes[at]).toBe(0x64);
      const next = at + 1 + bytes.readUInt32BE(at + 1);
      expect(next).toBeLessThanOrEqual(end);
      rows.push(bytes.toString('utf8', at + 5, next));
      at = next;
    }
  }
  return rows;
}

/** Feeds `chunks` to a framer: the rows it gave and the bytes it handed back. */
function frame(chunks: readonly Buffer[]): { rows: string[]; rest: Buffer | undefined } {
  const framer = new CopyDataFramer();
  const runs: CopyDataRun[] = [];
  let rest: Buffer | undefined;
  for (const chunk of chunks) {
    if (rest) rest = Buffer.concat([rest, chunk]);
    else rest = framer.push(chunk, runs);
  }
  return { rows: rowsOf(runs), rest };
}

describe('CopyData framing', () => {
  it('gives every row once and hands back what follows the copy, wherever the reads are cut', () => {
    const stream = Buffer.concat([COPY, AFTER]);
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(frame([stream.subarray(0, cut), stream.subarray(cut)])).toEqual({ rows: ROWS, rest: AFTER });
    }
    const bytes = [...stream].map((byte) => Buffer.from([byte]));
    expect(frame(bytes)).toEqual({ rows: ROWS, rest: AFTER });
  });

  it('hands back an error from its first byte, rows before it given', () => {
    const error = message('E', 'SERROR\u0000C22012\u0000Mdivision by zero\u0000\u0000');
    const stream = Buffer.concat([COPY, error, message('Z', 'I')]);
    for (const cut of [COPY.length + 1, COPY.length + 3, COPY.length + 9]) {
      const { rows, rest } = frame([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(rows).toEqual(ROWS);
      expect(rest).toEqual(stream.subarray(COPY.length));
    }
    expect(frame([Buffer.concat([error, message('Z', 'I')])])).toEqual({
      rows: [],
      rest: Buffer.concat([error, message('Z', 'I')]),
    });
  });
});

describe('CopyOut', () => {
  it('gives the socket reads of one event-loop turn as one batch', async () => {
    const socket = Object.assign(new EventEmitter(), { pause() {}, resume() {} });
    const handedBack: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => handedBack.push(chunk));
    const copy = new CopyOut('COPY t TO STDOUT');
    copy.submit({ stream: socket, query: () => undefined } as unknown as pg.Connection);
    const batches: string[][] = [];
    const reading = (async () => {
      for await (const runs of copy.batches()) batches.push(rowsOf(runs));
    })();
    // Two reads in one turn, a microtask checkpoint between them as between two socket callbacks.
    socket.emit('data', message('d', ROWS[0]!));
    await new Promise((resolve) => process.nextTick(resolve));
    socket.emit('data', Buffer.concat([message('d', ROWS[1]!), AFTER]));
    expect(handedBack).toEqual([AFTER]);
    copy.handleReadyForQuery();
    await reading;
    expect(batches).toEqual([ROWS.slice(0, 2)]);
  });

  it('gathers reads until a batch is full, or until its first rows have waited a little', async () => {
    const socket = Object.assign(new EventEmitter(), { pause() {}, resume() {} });
    socket.on('data', () => undefined);
    const copy = new CopyOut('COPY t TO STDOUT');
    copy.submit({ stream: socket, query: () => undefined } as unknown as pg.Connection);
    const batches: number[] = [];
    const reading = (async () => {
      for await (const runs of copy.batches()) batches.push(rowsOf(runs).length);
    })();
    const tick = () => new Promise((resolve) => process.nextTick(resolve));
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    // Reads of a row each: nothing is handed on until BATCH_BYTES have come.
    const row = message('d', `${'x'.repeat(1000)}\n`);
    const full = Math.ceil(BATCH_BYTES / row.length);
    for (let i = 0; i < full - 1; i++) {
      socket.emit('data', row);
      await tick();
    }
    await turn();
    expect(batches).toEqual([]);
    socket.emit('data', row);
    await turn();
    await turn();
    expect(batches).toEqual([full]);
    // A few rows then nothing: handed on once they have waited.
    socket.emit('data', row);
    await tick();
    socket.emit('data', row);
    await turn();
    expect(batches).toEqual([full]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual([full, 2]);
    copy.handleReadyForQuery();
    await reading;
  });
});
