/** The outcome of one acceptance check. */
export interface CheckResult {
  /** What was checked, e.g. "read: records match their stream schema". */
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  /** Why it passed, failed or was skipped, in one line. */
  readonly reason: string;
}

export const pass = (name: string, reason: string): CheckResult => ({ name, status: 'pass', reason });
export const fail = (name: string, reason: string): CheckResult => ({ name, status: 'fail', reason });
export const skip = (name: string, reason: string): CheckResult => ({ name, status: 'skip', reason });

/** A short, single-line excerpt of a value for a reason. */
export function excerpt(value: unknown, max = 160): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
