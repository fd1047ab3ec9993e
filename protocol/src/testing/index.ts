export { readFixture, runInProcess, type ConnectorRun, type HarnessInput } from './harness.js';
export { virtualTime, type VirtualTime } from './virtual-time.js';
