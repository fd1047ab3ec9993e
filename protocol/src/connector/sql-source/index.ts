export { CheckpointPlanner, type Position } from './checkpoint-planner.js';
export {
  checkpointedLines,
  checkpointedRows,
  namedRowReader,
  type EncodedRows,
  type RowReader,
} from './checkpoint-loop.js';
export { migrateCursorState, resumeFrom, type CursorState, type JsonValue, type Resume } from './cursor-state.js';
export {
  planSqlRead,
  type IncrementalReadPlan,
  type SqlColumn,
  type SqlReadPlan,
  type SqlStream,
  type SqlTypes,
} from './read-plan.js';
export { sqlSelect, type SqlDialect, type SqlQuery } from './select.js';
