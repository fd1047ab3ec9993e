export { parseConnectorArgs, USAGE, type Command, type ParsedArgs } from './argv.js';
export {
  Checkpoint,
  checkpoint,
  defineDestination,
  defineSource,
  RecordLines,
  type Batch,
  type BatchResult,
  type CheckResult,
  type ConnectorContext,
  type ConnectorDefinition,
  type DestinationDefinition,
  type DestinationWriter,
  type IncomingRecord,
  type Operation,
  type RecordBytes,
  type Rejection,
  type SourceDefinition,
  type StreamRead,
} from './definitions.js';
export {
  CheckpointPlanner,
  checkpointedLines,
  checkpointedRows,
  migrateCursorState,
  namedRowReader,
  planSqlRead,
  resumeFrom,
  sqlSelect,
  type CursorState,
  type EncodedRows,
  type IncrementalReadPlan,
  type JsonValue,
  type Position,
  type Resume,
  type RowReader,
  type SqlColumn,
  type SqlDialect,
  type SqlQuery,
  type SqlReadPlan,
  type SqlStream,
  type SqlTypes,
} from './sql-source/index.js';
export {
  BatchRejectedError,
  ConfigError,
  ConnectorError,
  InternalError,
  TransientError,
  asConnectorError,
} from './errors.js';
export { backoffMs, retryAfterMs } from './backoff.js';
export {
  keyedChanges,
  type KeyedChange,
  type KeyedChangeRules,
  type KeyedChanges,
  type Refusal,
} from './keyed-changes.js';
export type { Logger } from './logger.js';
export { recordLinePrefix, recordLineSuffix } from './read-command.js';
export {
  BACKSLASH,
  BRACE_CLOSE,
  BRACE_OPEN,
  BRACKET_CLOSE,
  BRACKET_OPEN,
  COLON,
  COMMA,
  CR,
  DIGIT_0,
  DIGIT_9,
  LF,
  MINUS,
  PLUS,
  QUOTE,
  SPACE,
  TAB,
} from '../ndjson/ascii-bytes.js';
export { EXIT, runConnector, type ConnectorIO } from './run-connector.js';
export { ARGS_ENV, ARGS_WAIT_ENV } from './args-pipe.js';
export { EXIT_LINE_ENV, exitLinePrefix } from './exit-line.js';
export { STDIO_ENV } from './process-stdio.js';
export { REDACTED, collectSecrets, redact, redactConfig } from './secrets.js';
export { sendPaced, type PacedRequestOptions, type RetryPolicy } from './paced-request.js';
export { RollingWindow, type Slot } from './rolling-window.js';
export { loadSpec, type WithDefaults } from './spec-file.js';
export { streamKey } from './stream-key.js';
export { systemTiming, type Timing } from './timing.js';
export { DEFAULT_BATCH_SIZE } from './write-command.js';
export {
  FIELD_KEY,
  compileJsonTemplate,
  compileTemplate,
  valueAt,
  type JsonTemplate,
  type Template,
} from '../template/index.js';
