import type { AirbyteMessage } from '@backflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { SheetsApiError } from '../../../test/fakes/google-sheets/index.js';
import { catalog, closeFakes, customer, record, setUp, state, stream } from './helpers.js';

afterEach(closeFakes);

const S = 'segment';

/** `n` checkpoints of one new record each: one values.append per checkpoint. */
function appendsEach(n: number): AirbyteMessage[] {
  return Array.from({ length: n }, (_, i) => [record(S, customer(i + 1)), state(S, i + 1)]).flat();
}

/** The most write requests answered 200 in any 60 s of the virtual clock. */
function peakPerMinute(times: number[]): number {
  let peak = 0;
  for (const start of times) peak = Math.max(peak, times.filter((t) => t >= start && t < start + 60_000).length);
  return peak;
}

describe('quota', () => {
  it('paces writes under the per-minute quota: 150 write requests meet no 429, at most 60 in any minute', async () => {
    const setup = await setUp();
    const run = await setup.run('write', { catalog: catalog(stream(S, 'upsert')), input: appendsEach(148) });
    expect(run.exitCode).toBe(0);
    expect(run.states).toHaveLength(148);
    const statuses = setup.fake.requests.map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    expect(setup.fake.writeCount()).toBe(150); // addSheet, header, 148 appends
    const writeTimes = setup.fake.requests.filter((r) => /batchUpdate|append/.test(r.method)).map((r) => r.at);
    expect(peakPerMinute(writeTimes)).toBe(60);
    expect(setup.sheet(S)).toHaveLength(149);
  });

  it('a lower quota than configured is met with 429s, waited out with backoff, and the run completes', async () => {
    const setup = await setUp({ writesPerMinute: 5 });
    const run = await setup.run('write', { catalog: catalog(stream(S, 'upsert')), input: appendsEach(12) });
    expect(run.exitCode).toBe(0);
    const answers = setup.fake.requests.filter((r) => r.method.includes('append')).map((r) => r.status);
    expect(answers.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(answers.filter((s) => s === 200)).toHaveLength(12);
    expect(setup.sheet(S)).toHaveLength(13);
    // Truncated exponential backoff: 1 s, 2 s, 4 s … with jitter (here 0.5 → ¾ of each step).
    expect(setup.time.sleeps.slice(0, 3)).toEqual([750, 1500, 3000]);
  });

  it('still over the quota after max_retries fails the run as transient, naming the quota', async () => {
    const setup = await setUp({}, { max_retries: 2 });
    setup.fake.failNext(
      'spreadsheets.values.append',
      new SheetsApiError(
        429,
        "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user'",
      ),
      3,
    );
    const run = await setup.run('write', { catalog: catalog(stream(S, 'upsert')), input: appendsEach(1) });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]).toMatchObject({ failure_type: 'transient_error' });
    expect(run.errors[0]!.message).toMatch(
      /still over Google's Sheets quota after 2 retries \(Quota exceeded for quota metric 'Write requests'/,
    );
    expect(run.states).toHaveLength(0);
  });

  it("a 503 is retried; a 400 for one record isolates it with Google's reason while the rest land", async () => {
    const setup = await setUp();
    setup.fake.failNext(
      'spreadsheets.values.batchUpdate',
      new SheetsApiError(503, 'The service is currently unavailable.'),
      1,
    );
    const first = await setup.run('write', {
      catalog: catalog(stream(S, 'upsert')),
      input: [record(S, customer(1)), state(S)],
    });
    expect(first.exitCode).toBe(0);
    setup.fake.failNext(
      'spreadsheets.values.append',
      new SheetsApiError(400, 'Invalid values[1][2]: something Google refused'),
      2,
    );
    const second = await setup.run('write', {
      catalog: catalog(stream(S, 'upsert')),
      input: [record(S, customer(2)), record(S, customer(3)), state(S)],
    });
    expect(second.exitCode).toBe(0);
    // The batch is halved: [2] then [3] — the fake refuses the first two appends, so the whole batch and record 2.
    const rejected = second.states.flatMap((s) => s.destinationStats?.rejected_records ?? []);
    expect(rejected).toEqual([
      expect.objectContaining({
        key: { id: 2 },
        reason: 'Google Sheets refused it: Invalid values[1][2]: something Google refused',
      }),
    ]);
    expect(
      setup
        .sheet(S)
        .slice(1)
        .map((row) => row[0]),
    ).toEqual([1, 3]);
  });
});
