export { readFixture, runInProcess, type ConnectorRun, type HarnessInput } from './harness.js';
