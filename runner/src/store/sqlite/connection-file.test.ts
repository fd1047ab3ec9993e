import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConnectionFile } from './connection-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backflow-connection-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openConnectionFile', () => {
  it('bounds the page caches of the file and of the scratch tables', () => {
    const db = openConnectionFile(dir, 'c');
    db.exec('create temp table scratch (k blob not null)');
    expect(db.pragma('cache_size', { simple: true })).toBe(-8 * 1024);
    expect(db.pragma('temp.cache_size', { simple: true })).toBe(-2 * 1024);
    db.close();
  });
});
