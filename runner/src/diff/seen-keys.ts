import type { FingerprintKey } from './fingerprint.js';

/**
 * Keys as runs: `[first, last]` pairs, one per run of consecutive integer keys (`[key, key]`
 * for any other key), in the order the keys came. A table read in key order is a handful of
 * pairs however many rows it has.
 */
export type KeyRuns = readonly FingerprintKey[];

/**
 * Keys read since they were last noted as seen in the store, held as runs: a list of every key
 * lived through the young-generation GCs it met, each copying it, and that copying grew V8's
 * young generation as a long run went on — the runner's peak RSS grew with the row count.
 */
export class SeenKeys {
  private runs: FingerprintKey[] = [];
  /** Keys held. */
  size = 0;

  add(key: FingerprintKey): void {
    const last = this.runs.length - 1;
    if (typeof key === 'number' && last > 0 && this.runs[last] === key - 1) this.runs[last] = key;
    else this.runs.push(key, key);
    this.size++;
  }

  /** The keys held, as runs; holds none after. */
  take(): KeyRuns {
    const runs = this.runs;
    this.runs = [];
    this.size = 0;
    return runs;
  }
}

/** Every key of `runs`, in order. */
export function keysOfRuns(runs: KeyRuns): FingerprintKey[] {
  const keys: FingerprintKey[] = [];
  for (let i = 0; i < runs.length; i += 2) {
    const first = runs[i]!;
    if (typeof first !== 'number') keys.push(first);
    else for (let key = first; key <= (runs[i + 1] as number); key++) keys.push(key);
  }
  return keys;
}
