/** The default state location, next to the connection file. */
export const DEFAULT_STATE = '.backflow';

/** Whether a state location is a Postgres database rather than a directory. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}
