// NDJSON codec benchmark: the same in-memory bytes through a bare split, a bare
// JSON.parse loop, the alternatives we could have used (ndjson, split2), our decoder, and
// decoder + validateMessage + encoder. Figures are ratios within one run: timings on shared
// machines are noisy, so compare rows, not runs.
//
//   npx tsc -b protocol && node --expose-gc scripts/bench/codec.mjs [records] [rounds]
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import ndjson from 'ndjson';
import split2 from 'split2';
import { createDecoder, createEncoder, readMessages } from '../../protocol/dist/ndjson/index.js';
import { validateMessage } from '../../protocol/dist/validation/index.js';

const CHUNK_BYTES = 64 * 1024; // what a pipe from a child process delivers at most
const LF = 0x0a;

/** A RECORD message carrying a customer-like row, about 300 bytes, varied by `i`. */
function customerRecord(i) {
  const first = ['Ana', 'Björn', 'Chloé', 'Dmitri', 'Eun-ji', 'Farah'][i % 6];
  const last = ['Silva', 'Lindqvist', 'Martin', 'Ivanov', 'Kim', 'Haddad'][i % 5];
  return {
    type: 'RECORD',
    record: {
      stream: 'customers',
      emitted_at: 1764441600000 + i,
      data: {
        id: 100000 + i,
        email: `${first.toLowerCase()}.${last.toLowerCase()}${i}@acme.io`,
        name: `${first} ${last}`,
        company: `${last} & Co`,
        ltv: Math.round(i * 7.31) / 100,
        created_at: new Date(1600000000000 + i * 60000).toISOString(),
        updated_at: new Date(1700000000000 + i * 1000).toISOString(),
        address: { city: 'Lyon', country: 'FR' },
        active: i % 7 !== 0,
      },
    },
  };
}

function generate(records) {
  const parts = [];
  for (let i = 0; i < records; i += 1) parts.push(JSON.stringify(customerRecord(i)), '\n');
  return Buffer.from(parts.join(''));
}

function chunksOf(bytes) {
  const chunks = [];
  for (let start = 0; start < bytes.length; start += CHUNK_BYTES) {
    chunks.push(bytes.subarray(start, start + CHUNK_BYTES));
  }
  return chunks;
}

function countingSink() {
  let count = 0;
  const sink = new Writable({
    objectMode: true,
    write(_message, _encoding, callback) {
      count += 1;
      callback();
    },
  });
  return { sink, count: () => count };
}

function byteSink() {
  let bytes = 0;
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  return { sink, bytes: () => bytes };
}

/** Each case consumes the whole input and returns how many messages it saw. */
const cases = [
  {
    name: '(a) split only (Buffer.indexOf)',
    async run(bytes) {
      let lines = 0;
      for (let start = 0, nl = bytes.indexOf(LF); nl !== -1; nl = bytes.indexOf(LF, start)) {
        lines += 1;
        start = nl + 1;
      }
      return lines;
    },
  },
  {
    name: '(b) split + JSON.parse, no stream',
    baseline: true,
    async run(bytes) {
      let lines = 0;
      for (let start = 0, nl = bytes.indexOf(LF); nl !== -1; nl = bytes.indexOf(LF, start)) {
        if (JSON.parse(bytes.toString('utf8', start, nl)) !== null) lines += 1;
        start = nl + 1;
      }
      return lines;
    },
  },
  {
    name: '    ndjson.parse (no line numbers)',
    async run(_bytes, chunks) {
      const { sink, count } = countingSink();
      await pipeline(Readable.from(chunks), ndjson.parse(), sink);
      return count();
    },
  },
  {
    name: '    split2 + JSON.parse, line numbers',
    async run(_bytes, chunks) {
      const { sink, count } = countingSink();
      let line = 0;
      const parse = (text) => {
        line += 1;
        return text === '' ? undefined : { line, value: JSON.parse(text) };
      };
      await pipeline(Readable.from(chunks), split2(parse), sink);
      return count();
    },
  },
  {
    name: '(c) createDecoder',
    async run(_bytes, chunks) {
      const { sink, count } = countingSink();
      await pipeline(Readable.from(chunks), createDecoder(), sink);
      return count();
    },
  },
  {
    name: '(c) readMessages',
    async run(_bytes, chunks) {
      let count = 0;
      for await (const message of readMessages(Readable.from(chunks))) {
        if (message.line > 0) count += 1;
      }
      return count;
    },
  },
  {
    name: '    decode + encode, no validation',
    async run(_bytes, chunks) {
      let count = 0;
      const unwrap = new Transform({
        objectMode: true,
        transform(message, _encoding, callback) {
          count += 1;
          callback(null, message.value);
        },
      });
      const { sink } = byteSink();
      await pipeline(Readable.from(chunks), createDecoder(), unwrap, createEncoder(), sink);
      return count;
    },
  },
  {
    name: '(d) decode + validateMessage + encode',
    async run(_bytes, chunks) {
      let count = 0;
      const validate = new Transform({
        objectMode: true,
        transform(message, _encoding, callback) {
          count += 1;
          callback(null, validateMessage(message.value, { line: message.line }));
        },
      });
      const { sink, bytes } = byteSink();
      await pipeline(Readable.from(chunks), createDecoder(), validate, createEncoder(), sink);
      if (bytes() === 0) throw new Error('the encoder wrote nothing');
      return count;
    },
  },
];

/**
 * One RECORD line of `megabytes` MB (a large text field), decoded by split2 and by our
 * decoder: split2 re-splits the whole pending string on every chunk, so its cost grows
 * with the square of the line length.
 */
async function longLine(megabytes) {
  const message = {
    type: 'RECORD',
    record: { stream: 'notes', emitted_at: 0, data: { body: 'x'.repeat(megabytes * 1e6) } },
  };
  const chunks = chunksOf(Buffer.from(`${JSON.stringify(message)}\n`));
  const time = async (decoder) => {
    const started = process.cpuUsage();
    await pipeline(Readable.from(chunks), decoder, countingSink().sink);
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1e6;
  };
  return {
    megabytes,
    split2Seconds: await time(split2((text) => (text === '' ? undefined : JSON.parse(text)))),
    decoderSeconds: await time(createDecoder()),
  };
}

/**
 * Runs every case over the same generated bytes and returns the figures. Every case is
 * in memory and never waits, so it is timed in CPU seconds of this process: on a shared
 * machine wall time mostly measures the neighbours. Cases run in `rounds` interleaved
 * rounds and each keeps its fastest round. `vsParse` is the case's
 * throughput divided by the bare split + JSON.parse loop's.
 */
export async function run({ records = 1_000_000, rounds = 3, longLineMegabytes = 16 } = {}) {
  const warmup = generate(20_000);
  for (const c of cases) await c.run(warmup, chunksOf(warmup));

  const bytes = generate(records);
  const chunks = chunksOf(bytes);
  const best = new Map();
  for (let round = 0; round < rounds; round += 1) {
    for (const c of cases) {
      globalThis.gc?.();
      const started = process.cpuUsage();
      const seen = await c.run(bytes, chunks);
      const used = process.cpuUsage(started);
      const seconds = (used.user + used.system) / 1e6;
      if (seen !== records) throw new Error(`${c.name} saw ${seen} of ${records} messages`);
      best.set(c, Math.min(seconds, best.get(c) ?? Infinity));
    }
  }
  const baseline = records / best.get(cases.find((c) => c.baseline));
  return {
    records,
    bytes: bytes.length,
    rounds,
    longLine: await longLine(longLineMegabytes),
    rows: cases.map((c) => {
      const seconds = best.get(c);
      return {
        name: c.name.trim(),
        seconds,
        rowsPerSec: records / seconds,
        mbPerSec: bytes.length / 1e6 / seconds,
        vsParse: records / seconds / baseline,
      };
    }),
  };
}

export function format(result) {
  const lines = [
    `NDJSON codec: ${result.records} records, ${(result.bytes / 1e6).toFixed(1)} MB ` +
      `(${Math.round(result.bytes / result.records)} bytes/record), ${CHUNK_BYTES / 1024} KiB chunks, ` +
      `CPU time, best of ${result.rounds} rounds`,
    `${'case'.padEnd(40)} ${'rows/s'.padStart(10)} ${'MB/s'.padStart(8)} ${'vs (b)'.padStart(7)}`,
  ];
  for (const row of result.rows) {
    lines.push(
      `${row.name.padEnd(40)} ${Math.round(row.rowsPerSec).toLocaleString('en-US').padStart(10)} ` +
        `${row.mbPerSec.toFixed(1).padStart(8)} ${row.vsParse.toFixed(2).padStart(7)}`,
    );
  }
  const { megabytes, split2Seconds, decoderSeconds } = result.longLine;
  lines.push(
    `one ${megabytes} MB line: split2 ${split2Seconds.toFixed(2)} s, ` +
      `createDecoder ${decoderSeconds.toFixed(2)} s (CPU)`,
  );
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [records, rounds] = process.argv.slice(2).map(Number);
  console.log(format(await run({ records, rounds })));
}
