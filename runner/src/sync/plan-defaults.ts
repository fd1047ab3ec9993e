/** Rows shown per kind of change in a plan. Apart from plan-sync so the CLI declares it without loading the sync. */
export const DEFAULT_PLAN_SAMPLES = 5;
