import type { Transcript } from './invoke.js';
import { excerpt, fail, pass, type CheckResult } from './result.js';

/** Across every command run: stdout carries protocol messages only. */
export function stdoutCheck(transcripts: readonly Transcript[]): CheckResult {
  const name = 'stdout: nothing but protocol messages';
  for (const transcript of transcripts) {
    const bad = transcript.lines.find((line) => line.problem !== undefined);
    if (bad) {
      return fail(name, `${transcript.command} stdout line ${bad.line}: ${bad.problem} (${excerpt(bad.text, 80)})`);
    }
  }
  const count = transcripts.reduce((sum, transcript) => sum + transcript.lines.length, 0);
  return pass(name, `${count} line(s) over ${transcripts.length} command(s), each a valid message`);
}

/** Across every command run: no secret value of the config appears on stdout or stderr. */
export function secretsCheck(transcripts: readonly Transcript[], secrets: readonly string[]): CheckResult {
  const name = 'secrets: no secret value on stdout or stderr';
  if (secrets.length === 0) return pass(name, 'the config holds no airbyte_secret value');
  for (const transcript of transcripts) {
    const stdout = transcript.lines.map((line) => line.text).join('\n');
    for (const [stream, text] of [
      ['stdout', stdout],
      ['stderr', transcript.stderr],
    ] as const) {
      const index = secrets.findIndex((secret) => text.includes(secret));
      if (index >= 0)
        return fail(name, `${transcript.command} printed secret #${index + 1} of the config on ${stream}`);
    }
  }
  return pass(name, `${secrets.length} secret value(s) never printed by ${transcripts.length} command(s)`);
}
