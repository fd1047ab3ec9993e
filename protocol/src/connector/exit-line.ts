/**
 * Environment variable through which a runner asks the connector to print its exit code on
 * stderr, as the last line before it exits, marked with the token the variable holds. A Docker
 * engine reports a container's exit (and ends its stderr) 0.1–0.5 s after the process is gone;
 * the line reaches the runner within milliseconds.
 */
export const EXIT_LINE_ENV = 'BACKFLOW_EXIT_LINE';

/** The start of the exit line for `token`; the exit code and a newline follow it. */
export function exitLinePrefix(token: string): string {
  return `backflow-exit ${token} `;
}

/**
 * Prints the exit line when the runner asked for it (see {@link EXIT_LINE_ENV}); resolves once
 * it is written, or could not be (the runner then learns the code from the engine).
 */
export function writeExitLine(code: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const token = env[EXIT_LINE_ENV];
  if (!token) return Promise.resolve();
  return new Promise((resolve) => process.stderr.write(`${exitLinePrefix(token)}${code}\n`, () => resolve()));
}
