export { formatReport } from './format-report.js';
export type { CheckResult } from './result.js';
export { runAcceptance, type AcceptanceOptions, type AcceptanceReport } from './suite.js';
