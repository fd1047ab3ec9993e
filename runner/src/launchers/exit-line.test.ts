import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { exitLinePrefix } from '@backflow/protocol/connector';
import { describe, expect, it } from 'vitest';
import { watchExitLine } from './exit-line.js';

const TOKEN = '0123456789abcdef';

/** Writes `wire` into a watched stderr in chunks of `size` bytes, then ends it unless told not to. */
async function watch(wire: string, size: number, end = true) {
  const stderr = new PassThrough();
  const watched = watchExitLine(stderr, TOKEN);
  const bytes = Buffer.from(wire);
  for (let i = 0; i < bytes.length; i += size) stderr.write(bytes.subarray(i, i + size));
  if (end) stderr.end();
  return { passed: await text(watched.stderr), code: await watched.code };
}

describe('watchExitLine', () => {
  it.each([1, 2, 7, 1000])('ends stderr at the exit line and gives its code (chunks of %i bytes)', async (size) => {
    const wire = `warning: one\nbackflow-exit other-token 3\nbackflow-exit\n${exitLinePrefix(TOKEN)}2\nafter\n`;
    // stderr stays open, as a container's does until the engine reports the exit.
    const { passed, code } = await watch(wire, size, false);
    expect(passed).toBe('warning: one\nbackflow-exit other-token 3\nbackflow-exit\n');
    expect(code).toBe(2);
  });

  it('passes every line, and gives no code, when stderr ends without the exit line', async () => {
    const wire = `a ${exitLinePrefix(TOKEN)}0\n${exitLinePrefix(TOKEN)}0 and more\n${exitLinePrefix(TOKEN)}`;
    expect(await watch(wire, 5)).toEqual({ passed: wire, code: undefined });
  });

  it('does not hold a long line that only starts like the exit line', async () => {
    const stderr = new PassThrough();
    const watched = watchExitLine(stderr, TOKEN);
    const line = `${exitLinePrefix(TOKEN)}0000000 without its end`;
    stderr.write(line);
    const first = await new Promise<Buffer>((resolve) => watched.stderr.once('data', resolve));
    expect(first.toString()).toBe(line);
  });
});
