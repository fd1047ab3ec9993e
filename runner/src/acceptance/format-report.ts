import type { AcceptanceReport } from './suite.js';

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** One line per check (`PASS  name — reason`), then a summary line. */
export function formatReport(report: AcceptanceReport): string {
  const lines = report.checks.map((check) => `${MARK[check.status]}  ${check.name} — ${check.reason}`);
  lines.push(
    `${report.connector} (${report.kind}): ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`,
  );
  return lines.join('\n');
}
