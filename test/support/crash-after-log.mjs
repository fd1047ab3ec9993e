// Runs a connector and kills it (SIGKILL) as soon as it has printed its Nth LOG message
// matching a pattern, then exits 137 as a killed process would: a destination killed at an
// exact point of its work (e.g. right after its third API write, before the STATE that would
// cover it), with no timing involved. Everything before that point passes through unchanged.
//
//   command: node test/support/crash-after-log.mjs <count> <regex> <program> [args...]
//   (the runner appends `write --config … --catalog …`, which reach the program)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const [limit, pattern, program, ...args] = process.argv.slice(2);
const matcher = new RegExp(pattern);
const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'] });
const exited = once(child, 'exit');
// Once the child is killed, writes to its stdin fail, and the runner's to ours: expected.
child.stdin.on('error', () => undefined);
process.stdin.on('error', () => undefined);
process.stdin.pipe(child.stdin);

let seen = 0;
for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
  if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
  if (matcher.test(logMessage(line) ?? '') && ++seen >= Number(limit)) {
    child.kill('SIGKILL');
    await exited;
    process.exit(137);
  }
}
const [code, signal] = await exited;
process.exit(signal ? 137 : (code ?? 1));

function logMessage(line) {
  try {
    const message = JSON.parse(line);
    return message.type === 'LOG' ? message.log.message : undefined;
  } catch {
    return undefined;
  }
}
