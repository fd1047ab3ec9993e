/// <reference lib="dom" />
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { createTestDatabase, MODEL_COLUMNS, seedModelTable, type TestDatabase } from '../support/postgres.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { tempWorkspace } from '../support/workspace.js';

// The run page of a real `runner serve` process, in Debian's Chromium: a real sync from the
// local Postgres into destination-postgres, held by the test at an advisory lock so the page
// can be watched while it runs, with three rows the destination's CHECK constraint refuses.

const TOKEN = 'serve-browser-token';
const GATE = 4343;
const ROWS = 500;
const REFUSED = [7, 123, 450];

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let target: TestDatabase;
let gate: pg.Client | undefined;
let serve: ServeProcess | undefined;

beforeEach(async () => {
  ws = await tempWorkspace('backflow-serve-browser-');
  [source, target] = await Promise.all([createTestDatabase('serve_web_src'), createTestDatabase('serve_web_dst')]);
  await seedModelTable(source, ROWS);
  await source.sql(`UPDATE customers SET score = -score WHERE id = ANY($1)`, [REFUSED]);
  await source.sql(`
    CREATE FUNCTION gate(id int) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      IF id > 250 THEN PERFORM pg_advisory_lock_shared(${GATE}); PERFORM pg_advisory_unlock_shared(${GATE}); END IF;
      RETURN true;
    END $$`);
  await target.sql(`CREATE SCHEMA crm`);
  await target.sql(`
    CREATE TABLE crm.customers (
      id bigint PRIMARY KEY, email text, first_name text, last_name text, plan text, score numeric CHECK (score >= 0),
      signed_up date)`);
  gate = new pg.Client({ connectionString: source.url });
  await gate.connect();
  await gate.query(`SELECT pg_advisory_lock(${GATE})`);
});
afterEach(async () => {
  serve?.process.kill('SIGTERM');
  await serve?.process;
  serve = undefined;
  await openGate();
  await Promise.all([source.drop(), target.drop()]);
  await ws.cleanup();
});

async function openGate() {
  const holder = gate;
  gate = undefined;
  await holder?.end();
}

describe('the run page in a real browser', () => {
  it('shows a sync live, then its counts, its rejected rows (searchable by key) and their CSV', async () => {
    const file = await ws.connection('customers', {
      source: {
        connector: 'source-postgres',
        config: {
          ...source.config,
          tables: [],
          models: [
            {
              name: 'customers',
              sql: `select ${MODEL_COLUMNS.join(', ')} from customers where gate(id)`,
              primary_key: ['id'],
            },
          ],
          fetch_size: 50,
        },
      },
      destination: { connector: 'destination-postgres', config: { ...target.config, schema: 'crm' } },
      streams: [{ name: 'customers' }],
      checkpoint_every: 50,
      state: ws.path('state'),
    });
    serve = await startServeProcess([file], ws.dir, TOKEN);
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      // Every value the live counts show, reloads included (the page reloads when the run ends).
      const committedSeen: number[] = [];
      await page.exposeFunction('reportCommitted', (value: string) => committedSeen.push(Number(value)));
      await page.addInitScript(() => {
        const report = () => {
          const cell = document.querySelector('#counts [data-stream="total"] [data-field="committed"]');
          if (cell?.textContent)
            (window as unknown as { reportCommitted(v: string): void }).reportCommitted(cell.textContent);
        };
        document.addEventListener('DOMContentLoaded', () => {
          report();
          const counts = document.querySelector('#counts tbody');
          if (counts) new MutationObserver(report).observe(counts, { childList: true, subtree: true });
        });
      });

      await page.goto(serve.url);
      const row = page.locator('#connections tr[data-connection="customers"]');
      await expect.poll(() => row.locator('.status').textContent()).toBe('never run');
      await row.getByRole('link', { name: 'customers' }).click();

      // Without the token nothing starts; with it the page starts a run and shows it.
      await page.getByLabel('serve token').fill('not the token');
      await page.getByRole('button', { name: 'Run now' }).click();
      await expect.poll(() => page.locator('.error').textContent()).toBe('wrong token');
      await page.goBack();
      await page.getByLabel('serve token').fill(TOKEN);
      await page.getByRole('button', { name: 'Run now' }).click();
      await page.waitForURL(/\/connections\/customers\/runs\/1$/);
      await expect.poll(() => page.locator('h1 .status').textContent()).toBe('running');

      // Held at the gate: the live counts reach the rows before it, without a reload.
      await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
      const committed = page.locator('#counts [data-stream="total"] [data-field="committed"]');
      await expect
        .poll(async () => Number(await committed.textContent()), { timeout: 60_000 })
        .toBeGreaterThanOrEqual(100);
      const held = Number(await committed.textContent());
      expect(held).toBeLessThan(ROWS);
      expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);

      // Released, it runs to the end; the page follows and reloads with the final counts. The
      // live status may say so before the reload: the counts are read once the page is a new
      // document (the flag set above is gone), not while it navigates.
      await openGate();
      const reloadedStatus = async () => {
        try {
          const reloaded = await page.evaluate(
            () => (window as unknown as { sameDocument?: boolean }).sameDocument === undefined,
          );
          return reloaded ? await page.locator('h1 .status').textContent() : 'not reloaded yet';
        } catch {
          return 'navigating';
        }
      };
      await expect.poll(reloadedStatus, { timeout: 60_000 }).toBe('succeeded');
      const totals = Object.fromEntries(
        await page
          .locator('#counts [data-stream="total"] td[data-field]')
          .evaluateAll((cells) => cells.map((c) => [(c as HTMLElement).dataset['field'], Number(c.textContent)])),
      );
      expect(totals).toMatchObject({
        read: ROWS,
        added: ROWS,
        sent: ROWS,
        committed: ROWS - 3,
        rejected: 3,
        invalid: 0,
      });
      // The page showed the count held at the gate, then larger ones up to the final count.
      expect(committedSeen).toContain(held);
      expect(committedSeen.slice(committedSeen.indexOf(held)).some((value) => value > held)).toBe(true);
      expect(committedSeen.at(-1)).toBe(ROWS - 3);
      expect([...committedSeen].sort((a, b) => a - b)).toEqual(committedSeen);

      // The rejected rows, with the destination's reason; one found by its key.
      const rows = page.locator('#run-rows tbody tr');
      await expect.poll(() => rows.count()).toBe(3);
      expect(await page.locator('#rows').textContent()).toBe('Rejected and invalid rows (3)');
      expect(await rows.locator('td:nth-child(3)').allTextContents()).toEqual(REFUSED.map((id) => `{"id":${id}}`));
      for (const reason of await rows.locator('td:nth-child(5)').allTextContents())
        expect(reason).toMatch(/violates check constraint "customers_score_check"/);
      await page.getByLabel('search by key').fill('123');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/key=123/);
      expect(await rows.locator('td:nth-child(3)').allTextContents()).toEqual(['{"id":123}']);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Download CSV').click()]);
      expect(download.suggestedFilename()).toBe('customers-run-1-rows.csv');
      const csv = (await readFile((await download.path())!, 'utf8')).trimEnd().split('\n');
      expect(csv[0]).toBe('run,stream,kind,key,reason,retryable,field');
      expect(csv.slice(1).map((line) => line.split(',').slice(0, 4).join(','))).toEqual(
        REFUSED.map((id) => `1,customers,rejected,"{""id"":${id}}"`),
      );
      for (const line of csv.slice(1)) expect(line).toMatch(/violates check constraint ""?customers_score_check/);

      // The connection's history and chart.
      await page.getByRole('link', { name: 'customers' }).first().click();
      await page.waitForURL(/\/connections\/customers$/);
      const history = page.locator('#runs tr[data-run="1"]');
      expect(await history.locator('.status').textContent()).toBe('succeeded');
      expect(await history.locator('td[data-field="sent"]').textContent()).toBe(String(ROWS));
      expect(await history.locator('td[data-field="rejected"]').textContent()).toBe('3');
      expect(await page.locator('svg.chart g[data-run="1"] title').textContent()).toMatch(
        /^run 1, .* UTC: 500 sent, 3 rejected or invalid$/,
      );
    } finally {
      await browser.close();
    }
  }, 180_000);
});
