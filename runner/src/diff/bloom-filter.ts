import type { FingerprintKey } from './fingerprint.js';

const HASHES = 7;
const FIRST_BITS = 1 << 20;
/** Total bits over all layers: 16 MiB, whatever the row count. */
const MAX_TOTAL_BITS = 2 ** 27;
/** Keys per layer before the next (twice as large) layer starts: about 1% false positives. */
const BITS_PER_KEY = 10;
/** Runs kept (2 numbers each) before their size is weighed against the filter's: tables of few gaps never get there. */
const MIN_RUNS_WEIGHED = 4096;
/** Bytes a run of consecutive keys takes (its first and last key, as float64). */
const RUN_BYTES = 16;

interface Layer {
  readonly bits: Uint32Array;
  readonly mask: number;
  count: number;
  readonly capacity: number;
}

/**
 * The keys seen in a run, to spot duplicate primary keys without a disk lookup per row.
 *
 * Integer keys read in increasing order (most tables, read in key or insertion order) are
 * kept exactly, as runs of consecutive keys: a table with few gaps in its ids takes a few
 * bytes however many rows it has, and a later key is told apart from them without error.
 * Other keys go to a scalable Bloom filter: it starts small and adds layers twice as large as
 * they fill, up to 16 MiB; past that it keeps filling the last layer and only its
 * false-positive rate grows. Runs that would take more memory than the filter bits of their
 * keys (ids with many gaps), or more than the filter at its largest, are moved into it.
 *
 * A true answer means "maybe seen": the caller confirms it against the store.
 */
export class BloomFilter {
  private readonly layers: Layer[] = [];
  private totalBits = 0;
  /** Runs `[starts[i], ends[i]]` of the integer keys read in increasing order, until the first one out of order. */
  private starts: Float64Array = new Float64Array(16);
  private ends: Float64Array = new Float64Array(16);
  private runs = 0;
  /** Keys the runs hold. */
  private runKeys = 0;
  /** Integer keys still come in increasing order: the next greater one extends the runs. */
  private ordered = true;

  /** Adds a key; returns whether it may have been added before. */
  add(key: FingerprintKey): boolean {
    if (typeof key === 'number') {
      const last = this.runs === 0 ? -Infinity : this.ends[this.runs - 1]!;
      if (this.ordered && key > last && this.keptInRuns(key, last)) return false;
      this.ordered = false;
      if (key <= last && this.inRuns(key)) return true;
    }
    seeds(key);
    const h1 = SEEDS[0]!;
    const h2 = SEEDS[1]!;
    let seen = false;
    for (let i = 0; i < this.layers.length && !seen; i++) seen = has(this.layers[i]!, h1, h2);
    this.set(h1, h2);
    return seen;
  }

  /** Adds a key greater than every key before it to the runs; false once they are moved to the filter instead. */
  private keptInRuns(key: number, last: number): boolean {
    if (key === last + 1) {
      this.ends[this.runs - 1] = key;
      this.runKeys++;
      return true;
    }
    if (this.runs === this.starts.length) {
      const bytes = this.runs * RUN_BYTES;
      if (
        this.runs >= MIN_RUNS_WEIGHED &&
        (bytes > (this.runKeys * BITS_PER_KEY) / 8 || 2 * bytes > MAX_TOTAL_BITS / 8)
      ) {
        this.moveRunsToFilter();
        return false;
      }
      this.starts = grown(this.starts);
      this.ends = grown(this.ends);
    }
    this.starts[this.runs] = key;
    this.ends[this.runs] = key;
    this.runs++;
    this.runKeys++;
    return true;
  }

  /** Whether a run holds the key (binary search: the runs are in order). */
  private inRuns(key: number): boolean {
    let low = 0;
    let high = this.runs - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (key < this.starts[middle]!) high = middle - 1;
      else if (key > this.ends[middle]!) low = middle + 1;
      else return true;
    }
    return false;
  }

  private moveRunsToFilter(): void {
    for (let i = 0; i < this.runs; i++) {
      for (let key = this.starts[i]!; key <= this.ends[i]!; key++) {
        seeds(key);
        this.set(SEEDS[0]!, SEEDS[1]!);
      }
    }
    this.starts = new Float64Array(0);
    this.ends = new Float64Array(0);
    this.runs = 0;
    this.runKeys = 0;
  }

  /** Sets a key's bits in the last layer, adding a layer (the first, or a larger one) when it is full. */
  private set(h1: number, h2: number): void {
    let last = this.layers.at(-1);
    if (!last) last = this.addLayer(FIRST_BITS);
    else if (last.count >= last.capacity && this.totalBits + last.bits.length * 64 <= MAX_TOTAL_BITS) {
      last = this.addLayer(last.bits.length * 64);
    }
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & last.mask;
      last.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    last.count++;
  }

  private addLayer(bits: number): Layer {
    const layer = { bits: new Uint32Array(bits / 32), mask: bits - 1, count: 0, capacity: bits / BITS_PER_KEY };
    this.layers.push(layer);
    this.totalBits += bits;
    return layer;
  }
}

function grown(array: Float64Array): Float64Array {
  const larger = new Float64Array(array.length * 2);
  larger.set(array);
  return larger;
}

function has(layer: Layer, h1: number, h2: number): boolean {
  for (let i = 0; i < HASHES; i++) {
    const bit = (h1 + Math.imul(i, h2)) & layer.mask;
    if ((layer.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
  }
  return true;
}

/** Where `seeds` puts its two hashes: called once per row read, it allocates nothing. */
const SEEDS = new Int32Array(2);

/** Two independent 32-bit hashes of a key (double hashing gives the rest), into `SEEDS`. */
function seeds(key: FingerprintKey): void {
  if (typeof key !== 'number') {
    SEEDS[0] = key.readUInt32LE(0);
    SEEDS[1] = key.readUInt32LE(4) | 1;
    return;
  }
  const low = key | 0;
  const high = Math.floor(key / 4294967296) | 0;
  SEEDS[0] = mix(low ^ mix(high + 0x9e3779b9));
  SEEDS[1] = mix(high ^ mix(low + 0x85ebca6b)) | 1;
}

function mix(value: number): number {
  let h = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
