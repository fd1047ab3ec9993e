import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { earlyPlanUsed, keepEarlyPlan, UNUSED_PLANS_KEPT_MS, type EarlyPlan } from './early-containers.js';

const plan: EarlyPlan = {
  options: { Image: 'backflow/source-postgres:0.1.0' },
  namePrefix: 'backflow-source-postgres-',
  ownerFile: '/tmp/backflow-{{pid}}.host.containers',
  dirPrefix: '/tmp/backflow-{{pid}}.host-',
  fifos: ['stdin', 'stdout', 'args'],
  argsFifo: 'args',
};
const DAY = 24 * 3600 * 1000;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'early-plans-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A plan folder last written (or used) `age` ms before now. */
async function planFolder(name: string, age: number): Promise<string> {
  const folder = join(dir, name);
  await mkdir(folder);
  await writeFile(join(folder, 'source-postgres.read.json'), '{}');
  const then = new Date(Date.now() - age);
  await utimes(folder, then, then);
  return folder;
}

describe('keepEarlyPlan', () => {
  it('writes the plan privately, replacing the one before', async () => {
    const file = join(dir, 'a', 'source-postgres.read.json');
    await keepEarlyPlan(file, { ...plan, namePrefix: 'old-' });
    await keepEarlyPlan(file, plan);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(plan);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'a'))).toEqual(['source-postgres.read.json']);
  });

  it('removes the plans of command lines unused for a month, and keeps the others', async () => {
    await planFolder('edited-long-ago', UNUSED_PLANS_KEPT_MS + DAY);
    await planFolder('used-last-week', 7 * DAY);
    const used = await planFolder('used-today', UNUSED_PLANS_KEPT_MS + DAY);
    await earlyPlanUsed(join(used, 'source-postgres.read.json'));
    await keepEarlyPlan(join(dir, 'new', 'source-postgres.read.json'), plan);
    expect((await readdir(dir)).sort()).toEqual(['new', 'used-last-week', 'used-today']);
  });
});
