import { describe, expect, it } from 'vitest';
import { virtualTime } from '../testing/virtual-time.js';
import type { Logger } from './logger.js';
import { sendPaced } from './paced-request.js';
import { RollingWindow } from './rolling-window.js';

function setup(max = 2) {
  const time = virtualTime(0);
  const warnings: string[] = [];
  const logger = { warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')) } as unknown as Logger;
  const options = { window: new RollingWindow(max, 1000, time.timing), timing: time.timing, logger, maxRetries: 3 };
  return { time, warnings, options };
}

describe('sendPaced', () => {
  it('retries as the policy says, logging each retry, and waits on the injected clock', async () => {
    const { time, warnings, options } = setup(10);
    let calls = 0;
    const result = await sendPaced(
      options,
      'upsert',
      async () => {
        if (++calls < 3) throw new Error(`busy ${calls}`);
        return 'done';
      },
      { retryDelay: (_failure, attempt) => attempt * 100, describe: (failure) => (failure as Error).message },
    );
    expect(result).toBe('done');
    expect(time.sleeps).toEqual([100, 200]);
    expect(warnings).toEqual([
      '%s: %s; retry %d of %d in %d ms upsert busy 1 1 3 100',
      '%s: %s; retry %d of %d in %d ms upsert busy 2 2 3 200',
    ]);
  });

  it('the policy gives up by throwing; an aborted signal gives up without asking it', async () => {
    const { options } = setup();
    const giveUp = {
      retryDelay: (failure: unknown) => {
        throw failure;
      },
      describe: String,
    };
    await expect(sendPaced(options, 'x', () => Promise.reject(new Error('no')), giveUp)).rejects.toThrow('no');
    const controller = new AbortController();
    controller.abort();
    const never = {
      retryDelay: () => {
        throw new Error('asked');
      },
      describe: String,
    };
    const aborted = sendPaced(
      { ...options, signal: controller.signal },
      'x',
      () => Promise.reject(new Error('cut')),
      never,
    );
    await expect(aborted).rejects.toThrow();
  });

  it('requests share the window: the third of a 2-per-second window waits a second', async () => {
    const { time, options } = setup(2);
    const policy = { retryDelay: () => 0, describe: String };
    for (let i = 0; i < 3; i++) await sendPaced(options, 'x', async () => i, policy);
    expect(time.now()).toBe(1000);
  });

  it('a failure the policy says holds all (a 429) keeps concurrent requests from starting until its retry', async () => {
    // Sleeps resolve only when released, so what waits on what is visible.
    let now = 0;
    const sleeps: { ms: number; release: () => void }[] = [];
    const timing = {
      now: () => now,
      random: () => 0.5,
      sleep: (ms: number) => new Promise<void>((release) => sleeps.push({ ms, release })),
    };
    const { options } = setup(10);
    const paced = { ...options, timing, window: new RollingWindow(10, 1000, timing) };
    const policy = {
      retryDelay: () => 3000,
      describe: String,
      holdsAll: (f: unknown) => (f as Error).message === '429',
    };
    const sent: string[] = [];
    let refused = false;
    const a = sendPaced(
      paced,
      'a',
      async () => {
        sent.push('a');
        if (!refused) {
          refused = true;
          throw new Error('429');
        }
      },
      policy,
    );
    await new Promise((resolve) => setImmediate(resolve));
    const b = sendPaced(paced, 'b', async () => void sent.push('b'), policy);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['a']);
    expect(sleeps.map((s) => s.ms)).toEqual([3000, 3000]);
    now = 3000;
    for (const sleep of sleeps) sleep.release();
    await Promise.all([a, b]);
    expect(sent.sort()).toEqual(['a', 'a', 'b']);
  });
});
