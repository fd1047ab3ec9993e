import type { FingerprintKey } from './fingerprint.js';

const HASHES = 7;
const FIRST_BITS = 1 << 20;
/** Total bits over all layers: 16 MiB, whatever the row count. */
const MAX_TOTAL_BITS = 2 ** 27;
/** Keys per layer before the next (twice as large) layer starts: about 1% false positives. */
const BITS_PER_KEY = 10;

/**
 * A scalable Bloom filter of the keys seen in a run, to spot duplicate primary keys without
 * a disk lookup per row. It starts small and adds layers twice as large as they fill, up to
 * 16 MiB; past that it keeps filling the last layer and only its false-positive rate grows.
 * A hit means "maybe seen": the caller confirms it against the store.
 */
export class BloomFilter {
  private readonly layers: { bits: Uint32Array; mask: number; count: number; capacity: number }[] = [];
  private totalBits = 0;

  constructor() {
    this.addLayer(FIRST_BITS);
  }

  /** Adds a key; returns whether it may have been added before. */
  add(key: FingerprintKey): boolean {
    seeds(key);
    let seen = false;
    for (let i = 0; i < this.layers.length && !seen; i++) seen = has(this.layers[i]!, SEEDS[0]!, SEEDS[1]!);
    this.set();
    return seen;
  }

  /** Adds a key known to be new (cheaper than `add`: nothing is looked up). */
  insert(key: FingerprintKey): void {
    seeds(key);
    this.set();
  }

  /** Sets the bits of the key whose hashes are in `SEEDS`, in the last layer (adding one when it is full). */
  private set(): void {
    const h1 = SEEDS[0]!;
    const h2 = SEEDS[1]!;
    let last = this.layers.at(-1)!;
    if (last.count >= last.capacity && this.totalBits + last.bits.length * 64 <= MAX_TOTAL_BITS) {
      this.addLayer(last.bits.length * 64);
      last = this.layers.at(-1)!;
    }
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & last.mask;
      last.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    last.count++;
  }

  private addLayer(bits: number): void {
    this.layers.push({ bits: new Uint32Array(bits / 32), mask: bits - 1, count: 0, capacity: bits / BITS_PER_KEY });
    this.totalBits += bits;
  }
}

function has(layer: { bits: Uint32Array; mask: number }, h1: number, h2: number): boolean {
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
