import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import pg from 'pg';
import { CopyOut, QUEUED_BYTES_LIMIT, type CopyDataRun } from '../src/copy-out.js';
import { READ_BYTES, SocketReads } from '../src/socket-reads.js';
import { createTestDatabase, type TestDatabase } from './database.js';

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('sp_copy_out');
});

afterAll(async () => {
  await db?.drop();
});

afterEach(async () => {
  await client?.end();
});

/** pg's own socket (reads in 64 KiB buffers of Node's), or one reading into reused buffers. */
const SOCKETS = [
  { socket: "pg's socket", stream: undefined, readBytes: 64 << 10 },
  { socket: 'a SocketReads socket', stream: () => new SocketReads().socket, readBytes: READ_BYTES },
];

async function connect(stream: (() => Socket) | undefined): Promise<pg.Client> {
  client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: db.name, stream });
  await client.connect();
  return client;
}

/** The rows of runs of CopyData messages, as text. */
function rowsOf(runs: readonly CopyDataRun[]): string[] {
  const rows: string[] = [];
  for (const { bytes, start, end } of runs) {
    for (let at = start; at < end; at = at + 1 + bytes.readUInt32BE(at + 1)) {
      rows.push(bytes.toString('utf8', at + 5, at + 1 + bytes.readUInt32BE(at + 1)));
    }
  }
  return rows;
}

describe.each(SOCKETS)('COPY TO STDOUT from $socket', ({ stream, readBytes }) => {
  it('gives every row in order, waiting while the reader is busy, and leaves the client usable', async () => {
    const pg = await connect(stream);
    const copy = pg.query(
      new CopyOut("COPY (SELECT g, repeat('x', g % 300) FROM generate_series(1, 100000) g) TO STDOUT"),
    );
    let next = 1;
    let batches = 0;
    for await (const runs of copy.batches()) {
      for (const row of rowsOf(runs)) expect(row).toBe(`${next}\t${'x'.repeat(next++ % 300)}\n`);
      // What arrived while the reader was busy: the limit, and the socket read and row that crossed it.
      expect(runs.reduce((sum, run) => sum + run.end - run.start, 0)).toBeLessThan(
        QUEUED_BYTES_LIMIT + readBytes + 400,
      );
      // A slow reader for a while: Postgres sends ~10 MB meanwhile, unless reading pauses.
      if (batches++ < 5) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(next).toBe(100001);
    expect((await pg.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it("fails with Postgres' error when the query fails mid-copy, the client still usable", async () => {
    const pg = await connect(stream);
    const copy = pg.query(new CopyOut('COPY (SELECT 1 / (50000 - g) FROM generate_series(1, 60000) g) TO STDOUT'));
    let rows = 0;
    await expect(
      (async () => {
        for await (const runs of copy.batches()) rows += rowsOf(runs).length;
      })(),
    ).rejects.toMatchObject({ code: '22012', message: 'division by zero' });
    expect(rows).toBeLessThan(50000);
    expect((await pg.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails with the error of a query that never starts copying', async () => {
    const pg = await connect(stream);
    const copy = pg.query(new CopyOut('COPY (SELECT nope FROM nowhere) TO STDOUT'));
    await expect(copy.batches().next()).rejects.toMatchObject({ code: '42P01' });
  });

  it('lets a reader stop early: closing the client drops the rest of the copy', async () => {
    const pg = await connect(stream);
    const copy = pg.query(
      new CopyOut('COPY (SELECT g FROM generate_series(1, 1000) a, generate_series(1, 100000) g) TO STDOUT'),
    );
    for await (const runs of copy.batches()) {
      expect(rowsOf(runs)[0]).toBe('1\n');
      break;
    }
    await pg.end();
  });
});
