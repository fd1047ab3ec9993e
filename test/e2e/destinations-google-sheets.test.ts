import Docker from 'dockerode';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, sync } from '@backflow/runner';
import { SheetsApiError, startSheetsFake, type SheetsFake } from '../fakes/google-sheets/index.js';
import {
  insertModelRows,
  createTestDatabase,
  modelSource,
  seedModelTable,
  tableRows,
  type ModelRow,
  type TestDatabase,
} from '../support/postgres.js';
import { REPO_ROOT, tempWorkspace } from '../support/workspace.js';
import { dockerAnswers } from '../support/docker-events.js';

// Postgres model → destination-google-sheets (one sheet, mirrored) → the Sheets fake, through the runner.

const docker = new Docker();
const { dockerUp, requireDocker } = await dockerAnswers(docker);
const IMAGE = 'backflow/destination-google-sheets:0.1.0';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let source: TestDatabase;
let sheets: SheetsFake;
let spreadsheetId: string;

beforeEach(async () => {
  ws = await tempWorkspace();
  source = await createTestDatabase('e2e_gs_src');
  sheets = await startSheetsFake();
  spreadsheetId = sheets.createSpreadsheet({ title: 'Segments' }).spreadsheetId;
});
afterEach(async () => {
  // Every request the connector sent, and every answer, within the Sheets v4 discovery document.
  const violations = sheets.specViolations();
  await Promise.all([source.drop(), ws.cleanup(), sheets.close()]);
  expect(violations).toEqual([]);
});

const SHEET = 'High value';
/** Model columns → sheet columns, in header order. */
const MAPPING = {
  id: 'id',
  email: 'email',
  name: { template: '{{ first_name }} {{ last_name }}' },
  plan: 'plan',
  score: 'score',
  signed_up: 'signed_up',
};
const HEADER = Object.keys(MAPPING);

function connection(
  extra: object = {},
  destination: object = {},
  endpoint: object = { connector: 'destination-google-sheets' },
) {
  const key = sheets.serviceAccount();
  return {
    name: 'segment-to-sheet',
    source: modelSource(source),
    destination: {
      ...endpoint,
      config: {
        spreadsheet_id: `https://docs.google.com/spreadsheets/d/${spreadsheetId}/edit#gid=0`,
        credentials: { auth_type: 'service_account', service_account_info: JSON.stringify(key) },
        api_root: sheets.url,
        token_uri: sheets.tokenUri,
        max_retries: 3,
        ...destination,
      },
    },
    streams: [{ name: 'customers', destination: SHEET, behaviour: 'mirror', mapping: MAPPING }],
    state: ws.path('state'),
    ...extra,
  };
}

const run = async (extra?: object, destination?: object, endpoint?: object) =>
  sync(await ws.connection('c', connection(extra, destination, endpoint)));

/** A model row as the sheet shows it (values.get, UNFORMATTED_VALUE): numbers as numbers, dates as shown. */
function asSheetRow(row: ModelRow): unknown[] {
  return [row.id, row.email, `${row.first_name} ${row.last_name}`, row.plan, Number(row.score), row.signed_up];
}

/** Backflow's columns of its rows (between the header and the first empty row). */
function backflowRows(): unknown[][] {
  const values = sheets.values(spreadsheetId, SHEET);
  const end = values.findIndex((row, i) => i > 0 && row.length === 0);
  return values.slice(1, end < 0 ? undefined : end).map((row) => row.slice(0, HEADER.length));
}

const model = async () => (await tableRows(source, 'customers')).map(asSheetRow);
const byId = (rows: unknown[][]) => [...rows].sort((a, b) => (a[0] as number) - (b[0] as number));
const writes = () => sheets.writeCount();

describe('runner sync → destination-google-sheets → Sheets fake', () => {
  it("the sheet equals the model after the first run, updates and deletes; notes stay with their rows, a person's rows stay", async () => {
    await seedModelTable(source, 300);
    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.exitCode).toBe(EXIT_CODES.success);
    expect(first.streams['customers']).toMatchObject({ read: 300, added: 300, committed: 300, rejected: 0 });
    const values = sheets.values(spreadsheetId, SHEET);
    expect(values[0]).toEqual(HEADER);
    expect(byId(backflowRows())).toEqual(await model());

    // A person's notes in column H beside rows 10, 20, 30, and a table of their own below.
    const book = sheets.spreadsheet(spreadsheetId);
    const sheet = book.sheets.find((s) => s.properties.title === SHEET)!;
    const rowOfId = (id: number) => sheets.values(spreadsheetId, SHEET).findIndex((row) => row[0] === id);
    for (const id of [10, 20, 30]) sheet.rows[rowOfId(id)]![7] = { kind: 'string', value: `note about ${id}` };
    const ownRow = 302;
    sheet.rows[ownRow] = [
      { kind: 'string', value: 'Totals' },
      { kind: 'formula', formula: '=COUNTA(A2:A301)' },
    ];

    await source.sql(`UPDATE customers SET plan = 'enterprise', score = score + 1000 WHERE id % 50 = 0`); // 6 rows
    await source.sql(`DELETE FROM customers WHERE id IN (5, 20, 77)`);
    await insertModelRows(source, 301, 304);
    const before = writes();
    const changed = await run();
    expect(changed.exitCode).toBe(EXIT_CODES.success);
    expect(changed.streams['customers']).toMatchObject({ added: 4, changed: 6, removed: 3, rejected: 0 });
    // In-place updates, whole-row deletes and appended rows: one write request each.
    expect(writes() - before).toBe(3);
    expect(byId(backflowRows())).toEqual(await model());
    const after = sheets.values(spreadsheetId, SHEET);
    const noteOf = (id: number) => after.find((row) => row[0] === id)?.[7];
    expect(noteOf(10)).toBe('note about 10');
    expect(noteOf(30)).toBe('note about 30');
    expect(after.some((row) => row[7] === 'note about 20')).toBe(false); // deleted with its row
    const own = after.findIndex((row) => row[0] === 'Totals');
    expect(after[own]).toEqual(['Totals', '=COUNTA(A2:A301)']);
    expect(after[own - 1]).toEqual([]); // the empty row between Backflow's rows and the person's
    expect(own).toBe(1 + 301 + 1);

    const unchangedBefore = writes();
    const unchanged = await run();
    expect(unchanged.exitCode).toBe(EXIT_CODES.success);
    expect(unchanged.streams['customers']).toMatchObject({ unchanged: 301, sent: 0 });
    expect(writes() - unchangedBefore).toBe(0);
  });

  it('a 429 from the write quota is waited out and the run completes', async () => {
    await seedModelTable(source, 50);
    sheets.failNext(
      'spreadsheets.values.append',
      new SheetsApiError(
        429,
        "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com'.",
      ),
      2,
    );
    const summary = await run();
    expect(summary.exitCode).toBe(EXIT_CODES.success);
    expect(byId(backflowRows())).toEqual(await model());
    const appends = sheets.requests.filter((r) => r.method === 'sheets.spreadsheets.values.append');
    expect(appends.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('10,000 rows with 1% changed: the changed rows in one write request', async () => {
    await seedModelTable(source, 10_000);
    const first = await run({ checkpoint_every: 5000 });
    expect(first.exitCode).toBe(EXIT_CODES.success);
    const firstWrites = writes();
    await source.sql(`UPDATE customers SET score = score + 1 WHERE id % 100 = 7`); // 100 rows
    const before = writes();
    const started = Date.now();
    const changed = await run({ checkpoint_every: 5000 });
    const seconds = (Date.now() - started) / 1000;
    expect(changed.streams['customers']).toMatchObject({ changed: 100, unchanged: 9900, sent: 100 });
    const runWrites = writes() - before;
    expect(runWrites).toBe(1);
    const update = sheets.calls('spreadsheets.values.batchUpdate').at(-1)!;
    const rows = (update.body as { data: { values: unknown[][] }[] }).data.reduce((n, d) => n + d.values.length, 0);
    expect(rows).toBe(100);
    expect(byId(backflowRows())).toEqual(await model());
    console.log(
      `google-sheets 10k rows, 1% changed: first run ${firstWrites} write requests, ` +
        `change run ${runWrites} write request(s) rewriting ${rows} rows in ${seconds.toFixed(1)} s; ` +
        `peak rate ${runWrites} per minute of 60 allowed (${(runWrites / 60).toFixed(3)})`,
    );
  });
});

describe.runIf(dockerUp || requireDocker)('destination-google-sheets under the Docker launcher', () => {
  it('the image, run as an unprivileged container, syncs into the fake', async () => {
    const present = (await docker.listImages()).flatMap((image) => image.RepoTags ?? []);
    if (!present.includes(IMAGE)) {
      await execa(process.execPath, ['scripts/build-images.mjs', 'destination-google-sheets'], { cwd: REPO_ROOT });
    }
    await seedModelTable(source, 120);
    // The source stays a process; the destination runs from its image on the host network (the fake is on 127.0.0.1).
    const summary = await run({}, {}, { image: IMAGE, network: 'host', memory_mb: 256 });
    expect(summary.error).toBeUndefined();
    expect(summary.exitCode).toBe(EXIT_CODES.success);
    expect(summary.streams['customers']).toMatchObject({ added: 120, committed: 120 });
    expect(byId(backflowRows())).toEqual(await model());
    await source.sql(`DELETE FROM customers WHERE id > 100`);
    expect((await run({}, {}, { image: IMAGE, network: 'host', memory_mb: 256 })).exitCode).toBe(EXIT_CODES.success);
    expect(byId(backflowRows())).toEqual(await model());
  });
});
