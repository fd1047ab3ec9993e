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
 * Integer keys are kept exactly, as the sorted runs of consecutive keys they form: a table
 * whose ids have few gaps takes a few bytes however many rows it has, in whatever order its
 * rows come (key order, or from the middle round to the start as a Postgres scan joining
 * another does), and a key is told seen or not without error. Other keys go to a scalable
 * Bloom filter: it starts small and adds layers twice as large as they fill, up to 16 MiB;
 * past that it keeps filling the last layer and only its false-positive rate grows. Runs that
 * would take more memory than the filter bits of their keys (ids with many gaps, or in no
 * order yet), or more than the filter at its largest, are moved into it for good.
 *
 * A true answer means "maybe seen": the caller confirms it against the store.
 */
export class BloomFilter {
  private readonly layers: Layer[] = [];
  private totalBits = 0;
  /** Runs `[starts[i], ends[i]]` of the integer keys seen, sorted, neither overlapping nor touching. */
  private starts: Float64Array = new Float64Array(16);
  private ends: Float64Array = new Float64Array(16);
  private runs = 0;
  /** Keys the runs hold. */
  private runKeys = 0;
  /** The run last added to: the next key in key order extends it. */
  private current = 0;
  /** Integer keys are kept in the runs (until moved to the filter). */
  private exact = true;

  /** Adds a key; returns whether it may have been added before. */
  add(key: FingerprintKey): boolean {
    if (typeof key === 'number' && this.exact) {
      const c = this.current;
      if (c < this.runs && key === this.ends[c]! + 1 && (c + 1 === this.runs || key + 1 < this.starts[c + 1]!)) {
        this.ends[c] = key;
        this.runKeys++;
        return false;
      }
      const seen = this.addToRuns(key);
      if (seen !== undefined) return seen;
    }
    seeds(key);
    const h1 = SEEDS[0]!;
    const h2 = SEEDS[1]!;
    let seen = false;
    for (let i = 0; i < this.layers.length && !seen; i++) seen = has(this.layers[i]!, h1, h2);
    this.set(h1, h2);
    return seen;
  }

  /** Adds an integer key to the runs: whether it was there, or undefined once the runs are moved to the filter instead. */
  private addToRuns(key: number): boolean | undefined {
    const before = this.runBefore(key);
    if (before >= 0 && key <= this.ends[before]!) return true;
    const after = before + 1;
    const joinsBefore = before >= 0 && this.ends[before] === key - 1;
    const joinsAfter = after < this.runs && this.starts[after] === key + 1;
    if (joinsBefore && joinsAfter) {
      this.ends[before] = this.ends[after]!;
      this.starts.copyWithin(after, after + 1, this.runs);
      this.ends.copyWithin(after, after + 1, this.runs);
      this.runs--;
      this.current = before;
    } else if (joinsBefore) {
      this.ends[before] = key;
      this.current = before;
    } else if (joinsAfter) {
      this.starts[after] = key;
      this.current = after;
    } else {
      if (this.runs === this.starts.length && !this.roomForRun()) return undefined;
      this.starts.copyWithin(after + 1, after, this.runs);
      this.ends.copyWithin(after + 1, after, this.runs);
      this.starts[after] = key;
      this.ends[after] = key;
      this.runs++;
      this.current = after;
    }
    this.runKeys++;
    return false;
  }

  /** The last run starting at or below the key, or -1 (binary search: the runs are sorted). */
  private runBefore(key: number): number {
    let low = 0;
    let high = this.runs - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.starts[middle]! <= key) low = middle + 1;
      else high = middle - 1;
    }
    return high;
  }

  /** Makes room for one more run, unless the runs outweigh the filter: they are then moved into it (false). */
  private roomForRun(): boolean {
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
    return true;
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
    this.exact = false;
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
