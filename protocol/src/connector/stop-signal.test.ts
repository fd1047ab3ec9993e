import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMessages } from '../ndjson/index.js';
import type { AirbyteMessage, ConnectorSpecification } from '../types.js';
import { Checkpoint, defineDestination, defineSource } from './definitions.js';
import { runConnector } from './run-connector.js';

const spec: ConnectorSpecification = { connectionSpecification: { type: 'object' } };
const fixture = fileURLToPath(new URL('../../test/fixtures/connectors/hanging-check.mjs', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backflow-stop-'));
  await writeFile(join(dir, 'config.json'), '{}');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A callback that never settles, and resolves `entered` once it has been called. */
function stuck() {
  let enter!: (signal: AbortSignal) => void;
  const entered = new Promise<AbortSignal>((resolve) => (enter = resolve));
  const callback = ({ signal }: { signal: AbortSignal }) => {
    enter(signal);
    return new Promise<never>(() => undefined);
  };
  return { entered, callback };
}

async function runStoppable(definition: Parameters<typeof runConnector>[0], argv: string[], stop: AbortController) {
  const stdout = new PassThrough();
  const messages: AirbyteMessage[] = [];
  const collected = (async () => {
    for await (const { value } of readMessages(stdout)) messages.push(value as AirbyteMessage);
  })();
  const exitCode = await runConnector(definition, argv, { stdin: new PassThrough(), stdout, signal: stop.signal });
  stdout.end();
  await collected;
  return { exitCode, messages, errors: messages.flatMap((m) => (m.trace?.error ? [m.trace.error] : [])) };
}

describe('stopping a connector command', () => {
  it('ends a check stuck in a call that ignores the signal, with a transient error', async () => {
    const { entered, callback } = stuck();
    const destination = defineDestination({ spec, check: callback, open: async () => ({ write: async () => {} }) });
    const stop = new AbortController();
    const run = runStoppable(destination, ['check', '--config', join(dir, 'config.json')], stop);
    const signal = await entered;
    stop.abort();
    const { exitCode, errors, messages } = await run;
    expect(signal.aborted).toBe(true);
    expect(exitCode).toBe(1);
    expect(errors).toEqual([
      expect.objectContaining({
        message: 'check stopped: the connector was asked to stop',
        failure_type: 'transient_error',
      }),
    ]);
    expect(messages.some((m) => m.type === 'CONNECTION_STATUS')).toBe(false);
  });

  it("ends a source's discover the same way", async () => {
    const { entered, callback } = stuck();
    const source = defineSource({
      spec,
      check: async () => ({ ok: true }),
      discover: callback,
      read: async function* () {},
    });
    const stop = new AbortController();
    const run = runStoppable(source, ['discover', '--config', join(dir, 'config.json')], stop);
    await entered;
    stop.abort();
    const { exitCode, errors } = await run;
    expect(exitCode).toBe(1);
    expect(errors[0]?.message).toBe('discover stopped: the connector was asked to stop');
  });

  it("ends a source's read at once while the source waits for its next row, after the rows before", async () => {
    await writeFile(
      join(dir, 'catalog.json'),
      JSON.stringify({
        streams: [
          {
            stream: { name: 'users', json_schema: {}, supported_sync_modes: ['full_refresh'] },
            sync_mode: 'full_refresh',
            destination_sync_mode: 'overwrite',
          },
        ],
      }),
    );
    let waiting!: () => void;
    const blocked = new Promise<void>((resolve) => (waiting = resolve));
    const source = defineSource({
      spec,
      check: async () => ({ ok: true }),
      discover: async () => ({ streams: [] }),
      read: async function* () {
        yield { id: 1 };
        yield new Checkpoint({ after: 1 });
        waiting();
        // A query held on a lock: it never answers and ignores the signal.
        await new Promise<never>(() => undefined);
      },
    });
    const stop = new AbortController();
    const run = runStoppable(
      source,
      ['read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')],
      stop,
    );
    await blocked;
    stop.abort();
    const { exitCode, errors, messages } = await run;
    expect(exitCode).toBe(1);
    expect(errors[0]?.message).toBe('read stopped: the connector was asked to stop');
    expect(messages.map((m) => m.type)).toEqual(['TRACE', 'TRACE', 'RECORD', 'STATE', 'TRACE', 'TRACE']);
    expect(messages[4]?.trace?.stream_status?.status).toBe('INCOMPLETE');
  });

  it('answers spec only when not already asked to stop', async () => {
    const destination = defineDestination({
      spec,
      check: async () => ({ ok: true }),
      open: async () => ({ write: async () => {} }),
    });
    const stop = new AbortController();
    stop.abort();
    const { exitCode, errors, messages } = await runStoppable(destination, ['spec'], stop);
    expect(exitCode).toBe(1);
    expect(errors[0]?.message).toBe('spec stopped: the connector was asked to stop');
    expect(messages.some((m) => m.type === 'SPEC')).toBe(false);
  });

  it('ends a real process on SIGTERM while a filesystem call hangs, after reporting why', async () => {
    execFileSync('npx', ['tsc', '-b'], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    const fifo = join(dir, 'nobody-writes-here');
    execFileSync('mkfifo', [fifo]);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ fifo }));
    const child = spawn(process.execPath, [fixture, 'check', '--config', join(dir, 'config.json')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await lines.next()).value as string) as AirbyteMessage;
    expect((await next()).log?.message).toBe(`opening ${fifo}`);
    child.kill('SIGTERM');
    const error = await next();
    // Node's own exit would wait for the worker thread stuck in open(2); the SDK lets the
    // signal's default action end the process instead.
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect([code, signal]).toEqual([null, 'SIGTERM']);
    expect(error.trace?.error?.message).toBe('check stopped: the connector was asked to stop');
  });
});
