import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { REPO_ROOT } from '../support/workspace.js';

// Templates are code: render each one the way a connector author would, then build it, run
// its own tests and its command line, so a scaffold can never drift into one that fails.
const scratch = join(REPO_ROOT, '.backflow', `templates-test-${process.pid}`);
afterAll(() => rm(scratch, { recursive: true, force: true }));

it('the destination template renders into a package that builds, passes its tests and runs', async () => {
  const created = await execa(
    process.execPath,
    ['scripts/new-connector.mjs', 'destination', 'acme-crm', '--dir', scratch],
    {
      cwd: REPO_ROOT,
    },
  );
  expect(created.stdout).toContain('created');
  const dir = join(scratch, 'destination-acme-crm');
  await execa('npx', ['tsc', '-b', dir], { cwd: REPO_ROOT });
  const tests = await execa('npx', ['vitest', 'run'], { cwd: dir, reject: false, env: { CI: '1' } });
  expect(tests.exitCode, tests.stdout + tests.stderr).toBe(0);
  expect(tests.stdout).toMatch(/3 passed/);
  const spec = await execa(process.execPath, [join(dir, 'bin', 'main.js'), 'spec']);
  expect(JSON.parse(spec.stdout).spec.connectionSpecification.required).toEqual(['path']);
});

it('refuses a bad name or an existing folder', async () => {
  const bad = await execa(process.execPath, ['scripts/new-connector.mjs', 'destination', 'Bad Name'], {
    cwd: REPO_ROOT,
    reject: false,
  });
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr).toMatch(/usage: new-connector/);
  const existing = await execa(process.execPath, ['scripts/new-connector.mjs', 'destination', 'file'], {
    cwd: REPO_ROOT,
    reject: false,
  });
  expect(existing.exitCode).toBe(1);
  expect(existing.stderr).toMatch(/connectors\/destination-file already exists/);
});
