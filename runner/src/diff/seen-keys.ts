import type { FingerprintKey } from './fingerprint.js';

/**
 * Keys read since they were last noted as seen in the store. Integer keys that follow each
 * other (a table read in key order: most reruns) are held as one run, two numbers however many
 * keys: a list of every key lived through the young-generation GCs it met, each copying it,
 * and that copying grew V8's young generation as a long run went on — the runner's peak RSS
 * grew with the row count.
 */
export class SeenKeys {
  /** `[first, last]` per run of integer keys; `[key, key]` for any other key. */
  private runs: FingerprintKey[] = [];
  /** Keys held. */
  size = 0;

  add(key: FingerprintKey): void {
    const last = this.runs.length - 1;
    if (typeof key === 'number' && last > 0 && this.runs[last] === key - 1) this.runs[last] = key;
    else this.runs.push(key, key);
    this.size++;
  }

  /** The keys held, in the order they came; holds none after. */
  take(): FingerprintKey[] {
    // Sized at once: grown a key at a time, the list would be copied a dozen times.
    const keys = new Array<FingerprintKey>(this.size);
    const runs = this.runs;
    let at = 0;
    for (let i = 0; i < runs.length; i += 2) {
      const first = runs[i]!;
      if (typeof first !== 'number') keys[at++] = first;
      else for (let key = first; key <= (runs[i + 1] as number); key++) keys[at++] = key;
    }
    this.runs = [];
    this.size = 0;
    return keys;
  }
}
