import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import type { EarlyPlan } from '../../runner/src/launchers/early-containers.js';
import { openStore } from '../../runner/src/store/open-store.js';
import { insertModelRows, tableRows } from '../support/postgres.js';
import { earlyStartRuns } from '../support/early-start.js';

// `runner sync` starts the containers of the last run of the same command line before the
// runner loads (early-start.cts, from bin/runner.js); the run adopts them once it holds the
// lock, and removes them otherwise. Here the first step runs in this process, as bin/runner.js
// runs it, so that the test can follow each container it started.
const setup = await earlyStartRuns('early_start', 300);
const { dockerUp, requireDocker, containers, connectionFile, firstStep, runSync } = setup;

describe.runIf(dockerUp || requireDocker)('containers started before the runner loads', () => {
  it('the next run of a sync adopts the containers started for it, and creates none', async () => {
    const file = await connectionFile('adopted');
    const first = await runSync(file);
    expect(first.summary.error).toBeUndefined();
    expect(first.ids).toEqual([]);
    expect(first.summary.connectors).toMatchObject({
      source: { container: 'created' },
      destination: { container: 'created' },
    });
    expect((await readdir(first.early.planDir)).sort()).toEqual([
      'destination-postgres.write.json',
      'source-postgres.read.json',
    ]);
    await insertModelRows(setup.db, 301, 340);
    await containers.allDestroyed();
    const before = containers.createdIds().length;
    const second = await runSync(file);
    expect(second.summary.error).toBeUndefined();
    expect(second.ids).toHaveLength(2);
    expect(second.summary.connectors).toMatchObject({
      source: { container: 'early' },
      destination: { container: 'early' },
    });
    expect(second.summary.totals).toMatchObject({ read: 340, added: 40, sent: 40, committed: 40, rejected: 0 });
    expect(await tableRows(setup.db, 'adopted.customers')).toEqual(await tableRows(setup.db, 'customers'));
    // Both taken, and the run's only containers: the ones started before it.
    expect(second.early.containers).toEqual([]);
    await containers.allDestroyed();
    expect(containers.createdIds().slice(before).sort()).toEqual([...second.ids].sort());
  });

  it('a run that cannot take the lock removes the containers started for it', async () => {
    const file = await connectionFile('locked');
    expect((await runSync(file)).summary.error).toBeUndefined();
    const store = openStore(setup.ws.path('state-locked'), setup.ws.dir);
    const held = await store.openSync('locked');
    try {
      const { summary, ids } = await runSync(file);
      expect(summary.exitCode).toBe(EXIT_CODES.locked);
      expect(ids).toHaveLength(2);
      await containers.allDestroyed();
      for (const id of ids) expect(containers.destroyedIds()).toContain(id);
    } finally {
      await held.close();
      await store.close();
    }
  });

  it('a container started from a plan the run would not follow is removed, and the plan replaced', async () => {
    const file = await connectionFile('replanned');
    const first = await runSync(file);
    expect(first.summary.error).toBeUndefined();
    const planFile = join(first.early.planDir, 'destination-postgres.write.json');
    const plan = JSON.parse(await readFile(planFile, 'utf8')) as EarlyPlan;
    const memory = plan.options.HostConfig!.Memory!;
    await writeFile(
      planFile,
      JSON.stringify({
        ...plan,
        options: { ...plan.options, HostConfig: { ...plan.options.HostConfig, Memory: memory * 2 } },
      }),
    );
    await insertModelRows(setup.db, 341, 350);
    await containers.allDestroyed();
    const before = containers.createdIds().length;
    const second = await runSync(file);
    expect(second.summary.error).toBeUndefined();
    expect(second.summary.totals).toMatchObject({ read: 350, sent: 10, committed: 10 });
    await containers.allDestroyed();
    // Two started early, one of them replaced by a container of the run's own.
    const created = containers.createdIds().slice(before);
    expect(created).toHaveLength(3);
    expect(created).toEqual(expect.arrayContaining(second.ids));
    expect((JSON.parse(await readFile(planFile, 'utf8')) as EarlyPlan).options.HostConfig!.Memory).toBe(memory);
  });

  it('a plan cut short costs only its own early start', async () => {
    const file = await connectionFile('cut_plan');
    const { early } = await runSync(file);
    await writeFile(join(early.planDir, 'source-postgres.read.json'), '{"options":{"Ima');
    const next = await firstStep(file);
    expect(next.containers.map((c) => c.planFile)).toEqual([join(early.planDir, 'destination-postgres.write.json')]);
    expect((await sync(file, { early: next })).error).toBeUndefined();
    // The run keeps a whole plan again.
    expect(JSON.parse(await readFile(join(early.planDir, 'source-postgres.read.json'), 'utf8'))).toHaveProperty(
      'options.Image',
    );
  });

  it('a plan that others could change is not followed', async () => {
    const file = await connectionFile('shared_plan');
    const { early } = await runSync(file);
    await chmod(join(early.planDir, 'source-postgres.read.json'), 0o666);
    const next = await firstStep(file);
    expect(next.containers.map((c) => c.planFile)).toEqual([join(early.planDir, 'destination-postgres.write.json')]);
    expect((await sync(file, { early: next })).error).toBeUndefined();
  });
});
