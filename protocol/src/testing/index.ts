export { readFixture, runInProcess, type ConnectorRun, type HarnessInput } from './harness.js';
export { virtualTime, type VirtualTime } from './virtual-time.js';
export {
  configuredCatalog,
  descriptorOf,
  findStream,
  recordMessage,
  stateMessage,
  streamState,
  type ConfigureOptions,
} from './messages.js';
export {
  byData,
  byField,
  readAndResumeFromEveryState,
  resumeFromEveryState,
  statesWithRecordsBefore,
  type RecordIdentity,
  type ResumeProblem,
  type ResumeReport,
  type StateCheckpoint,
} from './resume.js';
