// Runs a connector and kills it (SIGKILL) right after it has confirmed its Nth STATE, while
// the runner is still sending, then exits 137 as a killed process would: a destination
// "killed mid-run" at a point end-to-end tests choose, with no timing involved. Everything
// else passes through unchanged.
//
//   command: node test/support/crash-after.mjs <states> <program> [args...]
//   (the runner appends `write --config … --catalog …`, which reach the program)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const [limit, program, ...args] = process.argv.slice(2);
const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'] });
const exited = once(child, 'exit');
// Once the child is killed, writes to its stdin fail, and the runner's to ours: expected.
child.stdin.on('error', () => undefined);
process.stdin.on('error', () => undefined);
process.stdin.pipe(child.stdin);

let states = 0;
for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
  if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
  if (typeOf(line) === 'STATE' && ++states >= Number(limit)) {
    child.kill('SIGKILL');
    await exited;
    process.exit(137);
  }
}
const [code, signal] = await exited;
process.exit(signal ? 137 : (code ?? 1));

function typeOf(line) {
  try {
    return JSON.parse(line).type;
  } catch {
    return undefined;
  }
}
