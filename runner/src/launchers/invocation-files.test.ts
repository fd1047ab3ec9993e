import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invocationDirPrefix, removeStaleInvocationDirs } from './invocation-files.js';

const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
/** A pid no process has (above Linux's highest). */
const DEAD_PID = 4_194_305;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'invocation-files-test-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('removeStaleInvocationDirs', () => {
  it('removes the folders of dead runners and of warm containers past their wait, and nothing else', async () => {
    const now = Date.UTC(2026, 11, 5, 12);
    const folders = {
      dead: `${invocationDirPrefix(DEAD_PID)}aaaaaa`,
      live: `${invocationDirPrefix()}bbbbbb`,
      otherHost: `backflow-${DEAD_PID}.elsewhere-cccccc`,
      warmWaiting: `backflow-warm.${now / 1000 + 60}.${host}-dddddd`,
      warmOver: `backflow-warm.${now / 1000 - 1}.${host}-eeeeee`,
      warmOtherHost: `backflow-warm.${now / 1000 - 1}.elsewhere-ffffff`,
    };
    for (const name of Object.values(folders)) mkdirSync(join(dir, name));
    const removed = await removeStaleInvocationDirs(dir, now);
    expect(removed.sort()).toEqual([join(dir, folders.dead), join(dir, folders.warmOver)].sort());
    expect(readdirSync(dir).sort()).toEqual(
      [folders.live, folders.otherHost, folders.warmWaiting, folders.warmOtherHost].sort(),
    );
  });
});
