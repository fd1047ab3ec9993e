import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tarFiles } from './tar.js';

describe('tarFiles', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes an archive that GNU tar extracts with the same contents and modes', () => {
    dir = mkdtempSync(join(tmpdir(), 'tar-test-'));
    const big = 'x'.repeat(1500);
    writeFileSync(
      join(dir, 'a.tar'),
      tarFiles([
        { name: 'config.json', content: '{"a":1}', mode: 0o444 },
        { name: 'catalog.json', content: big, mode: 0o600 },
        { name: 'empty.json', content: '', mode: 0o644 },
      ]),
    );
    execFileSync('tar', ['-xf', 'a.tar', '--no-same-owner'], { cwd: dir });
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{"a":1}');
    expect(readFileSync(join(dir, 'catalog.json'), 'utf8')).toBe(big);
    expect(readFileSync(join(dir, 'empty.json'), 'utf8')).toBe('');
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o444);
    expect(statSync(join(dir, 'catalog.json')).mode & 0o777).toBe(0o600);
    const listing = execFileSync('tar', ['-tvf', 'a.tar'], { cwd: dir, encoding: 'utf8' });
    expect(listing).toMatch(/^-r--r--r-- 0\/0 +7 .* config\.json$/m);
  });

  it('rejects names that do not fit the ustar header', () => {
    expect(() => tarFiles([{ name: 'n'.repeat(101), content: '', mode: 0o444 }])).toThrow(/too long/);
  });
});
