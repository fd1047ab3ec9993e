// The output side of the COPY transcoder: the bytes of RECORD lines being written, the
// constant parts of those lines, and the buffers they are written in, reused once written.

/**
 * Bytes written often (keys, the RECORD envelope, literals), held as the 32-bit words that
 * `JsonOutput#put` stores: a few word stores beat a call to TypedArray#set.
 */
export class Constant {
  readonly length: number;
  readonly words: Uint32Array;

  // Built per batch (the line suffix holds the batch's time): a small typed array, which V8
  // keeps on its heap, rather than an ArrayBuffer of its own.
  constructor(text: string) {
    const bytes = Buffer.from(text);
    this.length = bytes.length;
    this.words = new Uint32Array(Math.ceil(bytes.length / 4));
    // Little-endian words, as `put` stores them, whatever the platform's byte order.
    for (let i = 0; i < bytes.length; i++) this.words[i >> 2]! |= bytes[i]! << (8 * (i & 3));
  }
}

/** Room left after the last byte reserved: `put` may write up to 3 bytes past a constant. */
const SLACK = 4;

/** The bytes of RECORD lines being written, in a buffer of `pool`; grows when a row needs more room. */
export class JsonOutput {
  bytes: Buffer;
  /** `bytes` for 32-bit stores. */
  view: DataView;
  length = 0;

  constructor(
    private readonly pool: OutputPool,
    capacity: number,
  ) {
    this.bytes = pool.take(capacity + SLACK);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
  }

  reserve(bytes: number): void {
    if (this.length + bytes + SLACK <= this.bytes.length) return;
    const grown = this.pool.take(Math.max(2 * this.bytes.length, this.length + bytes + SLACK));
    this.bytes.copy(grown, 0, 0, this.length);
    this.pool.give(this.bytes);
    this.bytes = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }

  /** Writes `constant` (its last word whole: the bytes past its end are written over next). */
  put(constant: Constant): void {
    const words = constant.words;
    const view = this.view;
    const at = this.length;
    for (let i = 0; i < words.length; i++) view.setUint32(at + 4 * i, words[i]!, true);
    this.length = at + constant.length;
  }

  putString(text: string): void {
    this.reserve(3 * text.length);
    this.length += this.bytes.write(text, this.length, 'utf8');
  }
}

/** Output buffers given back once written: filling them again costs less than fresh memory (page faults, GC) per batch. */
export class OutputPool {
  private readonly free: Buffer[] = [];

  /** `keep`: how many free buffers to hold on to; `minimum`: the least size allocated. */
  constructor(
    private readonly keep: number,
    private readonly minimum: number,
  ) {}

  /** A buffer of at least `size` bytes. */
  take(size: number): Buffer {
    const reused = this.free.pop();
    return reused && reused.length >= size ? reused : Buffer.allocUnsafe(Math.max(size, this.minimum));
  }

  /** Takes back a buffer nothing reads anymore. */
  give(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
  }
}
